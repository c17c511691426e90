import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { type CostModel, estimateCost, estimateCostWithBreakdown } from '../../../src/cost/index.js';
import { demoModel, fixtureModel } from './schemas.js';

const price = (model: CostModel, query: string, variables: Record<string, unknown> = {}) =>
  estimateCost(model, parse(query), { variables }).cost;

/** The coded GraphQL error `run` throws. */
function thrownBy(run: () => unknown): { message: string; extensions: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    return error as { message: string; extensions: Record<string, unknown> };
  }
  throw new Error('expected an error');
}

describe('estimateCost on the demo schema', () => {
  const model = demoModel();
  const books = 'query Books($first: Int!) { books(first: $first) { title author { name } } }';

  it('sizes a list by the slicing argument given as a variable', () => {
    // Each book: Book (1) + author (1) = 2; times `first`.
    expect(price(model, books, { first: 5 })).toBe(10);
    expect(price(model, books, { first: 50 })).toBe(100);
  });

  it('uses the schema default of a slicing argument the operation leaves out', () => {
    // books(first: Int! = 10): 10 books of 1 each.
    expect(price(model, '{ books { id } }')).toBe(10);
  });

  it('passes the connection size down to the sized field edges', () => {
    // ReviewConnection (1) + 3 edges × (ReviewEdge 1 + Review 1) + pageInfo (1) = 8.
    const query = '{ searchReviews(text: "a", first: 3) { edges { node { id } } pageInfo { hasNextPage } } }';
    expect(price(model, query)).toBe(8);
  });

  it('charges the field weight, not the type weight, and 0 for a free field', () => {
    expect(price(model, '{ rateLimit { cost remaining } }')).toBe(0);
  });

  it('adds the mutation base cost of 10 and the input object argument', () => {
    // 10 + addReview @cost(weight: 5) + ReviewInput value (1, its fields have no @cost) = 16.
    const query = 'mutation { addReview(bookId: "1", input: { rating: 5, body: "ok" }) { id } }';
    expect(price(model, query)).toBe(16);
    expect(estimateCost(model, parse(query), {}).operationType).toBe('mutation');
  });
});

describe('estimateCost pricing rules', () => {
  const model = fixtureModel('pricing.graphql');

  it('takes the largest of several slicing arguments', () => {
    expect(price(model, '{ items(first: 2, last: 4) { id } }')).toBe(4);
  });

  it('uses assumedSize, argument @cost and input-field @cost', () => {
    // 2 items × Item (1) + text @cost(3) = 5.
    expect(price(model, '{ search(text: "a") { id } }')).toBe(5);
    // … + Filter value (1) + tag @cost(2) + minPrice (0) = 8.
    expect(price(model, '{ search(text: "a", filter: { tag: "x", minPrice: 3 }) { id } }')).toBe(8);
    // The same input through a variable is priced the same.
    const viaVariable = 'query($f: Filter) { search(text: "a", filter: $f) { id } }';
    expect(price(model, viaVariable, { f: { tag: 'x', minPrice: 3 } })).toBe(8);
  });

  it('falls back to the configured default list size', () => {
    expect(price(model, '{ related { id } }')).toBe(10);
    expect(price(fixtureModel('pricing.graphql', { defaultListSize: 4 }), '{ related { id } }')).toBe(4);
    // Scalars cost nothing however many there are.
    expect(price(model, '{ tags }')).toBe(0);
  });

  it('charges a scalar type its @cost, and lets a field @cost replace its type weight', () => {
    // 10 items × (Item 1 + Money 2).
    expect(price(model, '{ related { price } }')).toBe(30);
    // expensive: Item @cost(weight: 7) replaces Item's 1.
    expect(price(model, '{ expensive { id } }')).toBe(7);
  });

  it('adds 10 for a mutation, plus the input fields with @cost', () => {
    // 10 + Item (1) + TouchInput value (1) + note @cost(4).
    expect(price(model, 'mutation { touch(input: { note: "n" }) { id } }')).toBe(16);
  });

  it('prices nothing under @skip/@include that removes it', () => {
    const query = 'query($s: Boolean!) { expensive @skip(if: $s) { id } related @include(if: $s) { id } }';
    expect(price(model, query, { s: true })).toBe(10);
    expect(price(model, query, { s: false })).toBe(7);
  });

  it('counts fragments and aliases where they are spread', () => {
    // Each alias: 7 + parts 3 × Part (1) = 10.
    const query = '{ a: expensive { ...F } b: expensive { ...F } } fragment F on Item { parts { id } }';
    expect(price(model, query)).toBe(20);
  });

  it('prices an abstract type as its most expensive member', () => {
    // SearchResult (1) + max(Item: parts 3, Part: 0).
    expect(price(model, '{ result { ... on Item { parts { id } } ... on Part { id } } }')).toBe(4);
    // Node (1) + max(Item: Money 2, Part: 0).
    expect(price(model, '{ node(id: "1") { ... on Item { price } ... on Part { label } } }')).toBe(3);
  });

  it('sizes edges by the connection, also through a fragment', () => {
    // ItemConnection (1) + 5 × (ItemEdge 1 + Item 1) = 11; unsized it would be 1 + 10 × 2.
    expect(price(model, '{ connection(first: 5) { total edges { node { id } } } }')).toBe(11);
    const viaFragment =
      '{ connection(first: 5) { ...C } } fragment C on ItemConnection { edges { node { id } } }';
    expect(price(model, viaFragment)).toBe(11);
  });

  it('returns a per-field breakdown that adds up to the price', () => {
    const result = estimateCostWithBreakdown(
      model,
      parse('{ connection(first: 5) { edges { node { id } } } }'),
      {},
    );
    expect(result.cost).toBe(11);
    expect(result.fields).toContainEqual({
      path: 'connection.edges',
      coordinate: 'ItemConnection.edges',
      cost: 10,
      multiplier: 5,
      listSize: { from: 'slicingArgument', field: 'Query.connection', argument: 'first' },
    });
    expect(result.fields.at(-1)).toEqual({
      path: 'connection',
      coordinate: 'Query.connection',
      cost: 11,
      multiplier: 1,
    });
  });
});

describe('estimateCost errors', () => {
  const model = fixtureModel('pricing.graphql');

  it('requires exactly one slicing argument when requireOneSlicingArgument is true', () => {
    for (const query of ['{ strictItems(first: 2, last: 4) { id } }', '{ strictItems { id } }']) {
      const error = thrownBy(() => price(model, query));
      expect(error.extensions.code).toBe('COST_SLICING_ARGUMENT_REQUIRED');
      expect(error.extensions.http).toEqual({ status: 400 });
      expect(error.message).toContain('Query.strictItems');
      expect(error.message).toContain('"first", "last"');
    }
    expect(price(model, '{ strictItems(last: 3) { id } }')).toBe(3);
  });

  it('rejects a negative slicing argument, literal or variable', () => {
    const literal = thrownBy(() => price(model, '{ items(first: -1) { id } }'));
    expect(literal.extensions.code).toBe('COST_INVALID_SLICING_ARGUMENT');
    expect(literal.message).toBe(
      'Slicing argument "first" of field Query.items must be a non-negative integer, got -1.',
    );
    const variable = thrownBy(() => price(model, 'query($n: Int) { items(first: $n) { id } }', { n: -5 }));
    expect(variable.extensions.code).toBe('COST_INVALID_SLICING_ARGUMENT');
  });

  it('answers BAD_USER_INPUT for a missing or mistyped variable', () => {
    const missing = thrownBy(() => price(demoModel(), 'query($first: Int!) { books(first: $first) { id } }'));
    expect(missing.extensions.code).toBe('BAD_USER_INPUT');
    expect(missing.message).toContain('$first');
    const mistyped = thrownBy(() =>
      price(demoModel(), 'query($first: Int!) { books(first: $first) { id } }', { first: 'ten' }),
    );
    expect(mistyped.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('prices only the selected operation', () => {
    const document = parse('query A { expensive { id } } query B { related { id } }');
    expect(estimateCost(model, document, { operationName: 'A' }).cost).toBe(7);
    expect(estimateCost(model, document, { operationName: 'B' }).cost).toBe(10);
    expect(thrownBy(() => estimateCost(model, document, {})).extensions.code).toBe(
      'OPERATION_RESOLUTION_FAILURE',
    );
  });
});

describe('estimateCost on adversarial documents', () => {
  it('prices 4,000 aliases', () => {
    const model = fixtureModel('pricing.graphql');
    const aliases = Array.from({ length: 4000 }, (_, i) => `a${i}: expensive { id }`).join(' ');
    // Each alias: 7; its `id` is a second node, so 8,000 nodes fit in the default 10,000.
    expect(price(model, `{ ${aliases} }`)).toBe(28_000);
  });

  it('rejects 5,000 aliases with QUERY_TOO_COMPLEX', () => {
    const model = fixtureModel('pricing.graphql');
    const aliases = Array.from({ length: 5000 }, (_, i) => `a${i}: expensive { id }`).join(' ');
    const error = thrownBy(() => price(model, `{ ${aliases} }`));
    expect(error.extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.extensions.http).toEqual({ status: 400 });
  });

  it('rejects fragments that double at every level (2^30 fields) with QUERY_TOO_COMPLEX', () => {
    const model = fixtureModel('pricing.graphql');
    const levels = Array.from(
      { length: 30 },
      (_, i) => `fragment F${i + 1} on Item { a: siblings { ...F${i} } b: siblings { ...F${i} } }`,
    );
    const query = `{ expensive { ...F30 } } fragment F0 on Item { id } ${levels.join(' ')}`;
    expect(thrownBy(() => price(model, query)).extensions.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('honours a configured maxQueryNodes', () => {
    const model = fixtureModel('pricing.graphql', { maxQueryNodes: 50 });
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: tags`).join(' ');
    expect(thrownBy(() => price(model, `{ ${aliases} }`)).extensions.code).toBe('QUERY_TOO_COMPLEX');
  });
});
