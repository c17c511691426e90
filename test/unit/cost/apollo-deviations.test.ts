import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { actualCost, type CostModel, createCostModel, estimateCost } from '../../../src/cost/index.js';
import { demoModel, schemaFromSdl } from './schemas.js';

// One test per row of the README's table "Where Tollgate prices differently from Apollo's router"
// (section "Pricing: `@cost` and `@listSize`"). Each states what Apollo Router 2.12 would answer, read
// from apollographql/router apollo-router/src/plugins/demand_control/cost_calculator/, and pins what
// Tollgate answers instead.
const modelOf = (sdl: string): CostModel => createCostModel(schemaFromSdl(sdl), { defaultListSize: 10 });
const price = (model: CostModel, query: string, variables: Record<string, unknown> = {}) =>
  estimateCost(model, parse(query), { variables }).cost;

describe('Apollo deviations (README table)', () => {
  it('abstract types: the dearest member, where the router adds up every type condition', () => {
    const model = modelOf(`
      type Query { media: Media }
      union Media = Book | Film
      type Book { authors: [Person!]! @listSize(assumedSize: 3) }
      type Film { cast: [Person!]! @listSize(assumedSize: 5) }
      type Person { name: String }`);
    const query = '{ media { ... on Book { authors { name } } ... on Film { cast { name } } } }';
    // static_cost.rs scores each inline fragment and sums them: 1 + 3 + 5 = 9.
    expect(price(model, query)).toBe(1 + Math.max(3, 5));
  });

  it('mutations: the actual cost keeps the base cost of 10, which the router leaves out of it', () => {
    const model = demoModel();
    const mutation = parse('mutation { addReview(bookId: "1", input: { rating: 5, body: "ok" }) { id } }');
    const data = { addReview: { id: 'r1' } };
    // The router's ResponseCostCalculator: addReview 5 + ReviewInput 1 = 6.
    expect(actualCost(model, mutation, {}, data)).toBe(10 + 5 + 1);
    expect(actualCost(model, mutation, {}, data)).toBe(estimateCost(model, mutation, {}).cost);
  });

  describe('slicing values: the arguments as the resolver receives them, where the router reads the text and raw variables', () => {
    const model = modelOf(`
      type Query {
        items(first: Int = 5): [Item]
          @listSize(slicingArguments: ["first"], assumedSize: 2, requireOneSlicingArgument: false)
        search(input: SearchInput): [Item]
          @listSize(slicingArguments: ["input.pagination.first"], assumedSize: 2, requireOneSlicingArgument: false)
        byIds(ids: [ID!]): [Item]
          @listSize(slicingArguments: ["ids"], assumedSize: 2, requireOneSlicingArgument: false)
      }
      input SearchInput { pagination: Pagination }
      input Pagination { first: Int = 8 }
      type Item { id: ID }`);

    it("takes the argument's default when its variable is not sent (router: assumedSize 2)", () => {
      expect(price(model, 'query($n: Int) { items(first: $n) { id } }')).toBe(5);
    });

    it("takes the variable's default from the operation (router: assumedSize 2)", () => {
      expect(price(model, 'query($n: Int = 7) { items(first: $n) { id } }')).toBe(7);
    });

    it("takes an input field's default along a path (router: 2 + the two input objects)", () => {
      expect(price(model, '{ search(input: { pagination: {} }) { id } }')).toBe(8 + 2);
    });

    it('reads through a variable in the middle of an inline path (router: 2 + 2)', () => {
      const query = 'query($p: Pagination) { search(input: { pagination: $p }) { id } }';
      expect(price(model, query, { p: { first: 6 } })).toBe(6 + 2);
    });

    it('counts a single value given for a list argument as one item (router: assumedSize 2)', () => {
      expect(price(model, '{ byIds(ids: "a") { id } }')).toBe(1);
      expect(price(model, 'query($ids: [ID!]) { byIds(ids: $ids) { id } }', { ids: 'a' })).toBe(1);
    });
  });

  it('nested sizedFields: only the path written, where the router also sizes a same-named field of the outer type', () => {
    const model = modelOf(`
      type Query {
        shelf(first: Int): Shelf
          @listSize(slicingArguments: ["first"], sizedFields: ["sections { items }"], requireOneSlicingArgument: false)
      }
      type Shelf { sections: Section, items: [Item!]! }
      type Section { items: [Item!]! }
      type Item { id: ID }`);
    expect(price(model, '{ shelf(first: 4) { sections { items { id } } } }')).toBe(1 + 1 + 4);
    // directives.rs collect_leaf_names gathers "items" from every depth, so the router prices 1 + 4.
    expect(price(model, '{ shelf(first: 4) { items { id } } }')).toBe(1 + 10);
  });

  it('negative slicing values: refused with 400, where the router multiplies by them', () => {
    const model = modelOf(`
      type Query { items(first: Int): [Item] @listSize(slicingArguments: ["first"]) }
      type Item { id: ID }`);
    // The router's infer_size_from_argument keeps -3, and the list subtracts 3 from the price.
    expect(() => price(model, '{ items(first: -3) { id } }')).toThrow(
      expect.objectContaining({
        extensions: { code: 'COST_INVALID_SLICING_ARGUMENT', http: { status: 400 } },
      }),
    );
  });
});
