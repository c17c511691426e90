import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  actualCost,
  estimateCost,
  estimateCostWithBreakdown,
  type FieldCallPlan,
  planFieldCalls,
} from '../../../src/cost/index.js';
import { fixtureModel } from './schemas.js';

// Apollo Router 2.12's three @listSize forms (test/fixtures/cost/list-size-forms.graphql), priced
// with a default list size of 10: in the estimate, the field-call plan, the actual cost and the breakdown.
const model = fixtureModel('list-size-forms.graphql');
const price = (query: string, variables: Record<string, unknown> = {}) =>
  estimateCost(model, parse(query), { variables }).cost;
const isDetail = (coordinate: string) => coordinate === 'Item.detail';
const plan = (query: string, variables: Record<string, unknown> = {}): FieldCallPlan[] =>
  planFieldCalls(model, parse(query), { variables }, isDetail);
const actual = (query: string, data: unknown, variables: Record<string, unknown> = {}) =>
  actualCost(model, parse(query), { variables }, data);
const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}` }));

/** The coded GraphQL error `run` throws. */
function thrownBy(run: () => unknown): { message: string; extensions: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    return error as { message: string; extensions: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

describe('a list-typed slicing argument: the length of the list', () => {
  const byVariable = 'query($ids: [ID!]) { itemsByIds(ids: $ids) { id } }';

  it('sizes by an inline list or a variable, an empty list being 0', () => {
    expect(price('{ itemsByIds(ids: ["a", "b", "c"]) { id } }')).toBe(3);
    expect(price('{ itemsByIds(ids: []) { id } }')).toBe(0);
    expect(price(byVariable, { ids: ['a', 'b', 'c', 'd', 'e'] })).toBe(5);
    expect(price(byVariable, { ids: [] })).toBe(0);
  });

  it('falls back to assumedSize when the value is missing or null, else to the default list size', () => {
    expect(price(byVariable, { ids: null })).toBe(4);
    expect(price(byVariable, {})).toBe(4);
    expect(price('{ itemsByIds { id } }')).toBe(4);
    expect(price('{ itemsByIds(ids: null) { id } }')).toBe(4);
    // pick has no assumedSize.
    expect(price('{ pick { id } }')).toBe(10);
  });

  it('takes the largest of a list length and an Int', () => {
    expect(price('{ pick(ids: ["a", "b"], first: 5) { id } }')).toBe(5);
    expect(price('{ pick(ids: ["a", "b", "c", "d", "e", "f"], first: 2) { id } }')).toBe(6);
  });

  it('counts an empty list as given for requireOneSlicingArgument, and a missing one as not', () => {
    expect(price('{ strictByIds(ids: []) { id } }')).toBe(0);
    for (const variables of [{}, { ids: null }]) {
      const error = thrownBy(() => price('query($ids: [ID!]) { strictByIds(ids: $ids) { id } }', variables));
      expect(error.extensions.code).toBe('COST_SLICING_ARGUMENT_REQUIRED');
      expect(error.message).toContain('"ids"');
    }
  });

  it('plans, and measures the actual cost by what came back', () => {
    expect(plan('{ itemsByIds(ids: ["a", "b", "c"]) { detail { text } } }')).toEqual([
      { coordinate: 'Item.detail', args: {}, count: 3 },
    ]);
    expect(plan('{ itemsByIds(ids: []) { detail { text } } }')).toEqual([]);
    const query = '{ itemsByIds(ids: ["a", "b", "c"]) { id } }';
    expect(actual(query, { itemsByIds: items(3) })).toBe(price(query));
    expect(actual(query, { itemsByIds: items(2) })).toBe(2);
  });
});

describe('a dotted slicing argument: a path through input objects', () => {
  const byInput = 'query($input: SearchInput) { search(input: $input) { id } }';
  const byFirst = 'query($n: Int) { search(input: { pagination: { first: $n } }) { id } }';

  it('reads the size inline, from a whole variable, or from a variable at the end of the path', () => {
    // 6 items + SearchInput (1) + Pagination (1).
    expect(price('{ search(input: { pagination: { first: 6 }, text: "t" }) { id } }')).toBe(8);
    expect(price(byInput, { input: { pagination: { first: 6 } } })).toBe(8);
    expect(price(byFirst, { n: 6 })).toBe(8);
  });

  it('falls back when a step is missing or null (no assumedSize here: the default list size)', () => {
    expect(price(byInput, { input: { pagination: {} } })).toBe(10 + 2);
    expect(price(byInput, { input: { pagination: null } })).toBe(10 + 1);
    expect(price(byInput, { input: null })).toBe(10);
    expect(price(byInput, {})).toBe(10);
    expect(price(byFirst, { n: null })).toBe(10 + 2);
    expect(price(byFirst, {})).toBe(10 + 2);
  });

  it('requires the path to have a value under requireOneSlicingArgument, and refuses a negative one', () => {
    expect(price('{ strictSearch(input: { pagination: { first: 2 } }) { id } }')).toBe(4);
    const missing = thrownBy(() => price('{ strictSearch(input: { text: "t" }) { id } }'));
    expect(missing.extensions.code).toBe('COST_SLICING_ARGUMENT_REQUIRED');
    expect(missing.message).toContain('"input.pagination.first"');
    const negative = thrownBy(() => price(byFirst, { n: -1 }));
    expect(negative.extensions.code).toBe('COST_INVALID_SLICING_ARGUMENT');
    expect(negative.message).toBe(
      'Slicing argument "input.pagination.first" of field Query.search must be a non-negative integer, got -1.',
    );
  });

  it('plans, and measures the actual cost by what came back', () => {
    const query = 'query($n: Int) { search(input: { pagination: { first: $n } }) { detail { text } } }';
    expect(plan(query, { n: 6 })).toEqual([{ coordinate: 'Item.detail', args: {}, count: 6 }]);
    const ids = '{ search(input: { pagination: { first: 6 } }) { id } }';
    expect(actual(ids, { search: items(6) })).toBe(price(ids));
    // 1 item + the two input objects, which the actual cost keeps as Apollo's router does.
    expect(actual(ids, { search: items(1) })).toBe(3);
  });
});

describe('a nested sizedFields path: the size carried down more than one level', () => {
  const shelf = 'query($n: Int) { shelf(first: $n) { sections { items { id } } } }';

  it('sizes the list at the end of the path, from a literal, a variable or the schema default', () => {
    // Shelf (1) + Section (1) + 4 items.
    expect(price('{ shelf(first: 4) { sections { items { id } } } }')).toBe(6);
    expect(price(shelf, { n: 2 })).toBe(4);
    // $n missing: first takes its default of 3; $n null: no size, the default list size.
    expect(price(shelf, {})).toBe(5);
    expect(price(shelf, { n: null })).toBe(12);
    expect(price('{ shelf(first: 4) { sections { title } } }')).toBe(2);
  });

  it('follows the path through fragments', () => {
    const query = `{ shelf(first: 4) { ...S } }
      fragment S on Shelf { sections { ...T } } fragment T on Section { items { id } }`;
    expect(price(query)).toBe(6);
  });

  it('plans, and measures the actual cost by what came back', () => {
    const query = '{ shelf(first: 4) { sections { items { detail { text } } } } }';
    expect(plan(query)).toEqual([{ coordinate: 'Item.detail', args: {}, count: 4 }]);
    const ids = '{ shelf(first: 4) { sections { items { id } } } }';
    expect(actual(ids, { shelf: { sections: { items: items(4) } } })).toBe(price(ids));
    expect(actual(ids, { shelf: { sections: { items: items(2) } } })).toBe(4);
    expect(actual(ids, { shelf: { sections: null } })).toBe(1);
  });
});

describe('the breakdown says where each size came from', () => {
  const sourceOf = (query: string, path: string, variables: Record<string, unknown> = {}) =>
    estimateCostWithBreakdown(model, parse(query), { variables }).fields.find((line) => line.path === path)
      ?.listSize;

  it('names the slicing argument, list or path, and the field whose @listSize gave the size', () => {
    expect(sourceOf('{ itemsByIds(ids: ["a"]) { id } }', 'itemsByIds')).toEqual({
      from: 'slicingArgument',
      field: 'Query.itemsByIds',
      argument: 'ids',
    });
    expect(sourceOf('{ search(input: { pagination: { first: 2 } }) { id } }', 'search')).toEqual({
      from: 'slicingArgument',
      field: 'Query.search',
      argument: 'input.pagination.first',
    });
    expect(sourceOf('{ shelf(first: 4) { sections { items { id } } } }', 'shelf.sections.items')).toEqual({
      from: 'slicingArgument',
      field: 'Query.shelf',
      argument: 'first',
    });
  });

  it('says assumedSize or the default list size when no argument had a value', () => {
    expect(sourceOf('{ itemsByIds(ids: null) { id } }', 'itemsByIds')).toEqual({
      from: 'assumedSize',
      field: 'Query.itemsByIds',
    });
    expect(sourceOf('{ search(input: { text: "t" }) { id } }', 'search')).toEqual({
      from: 'defaultListSize',
    });
    expect(sourceOf('{ shelf(first: 4) { items { id } } }', 'shelf.items')).toEqual({
      from: 'defaultListSize',
    });
    // Fields that are not lists have no size.
    expect(sourceOf('{ shelf(first: 4) { sections { title } } }', 'shelf.sections')).toBeUndefined();
  });
});
