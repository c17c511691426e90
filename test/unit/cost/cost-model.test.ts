import { describe, expect, it } from 'vitest';
import { CostDirectiveError, createCostModel } from '../../../src/cost/index.js';
import { demoSchema, schemaFromSdl } from './schemas.js';

/** The CostDirectiveError createCostModel throws for `sdl`. */
function directiveError(sdl: string): CostDirectiveError {
  try {
    createCostModel(schemaFromSdl(sdl), { defaultListSize: 10 });
  } catch (error) {
    if (error instanceof CostDirectiveError) return error;
    throw error;
  }
  throw new Error('expected a CostDirectiveError');
}

const types = 'type Book { id: ID! } type Conn { edges: [Book!]! total: Int! }';

describe('createCostModel start-up checks', () => {
  it('accepts the demo schema', () => {
    const model = createCostModel(demoSchema(), { defaultListSize: 10 });
    expect(model.config).toEqual({
      defaultListSize: 10,
      maxQueryNodes: 10_000,
      maxPlanTargets: 100,
      cachedVariableSetsPerDocument: 64,
    });
  });

  it('rejects a slicing argument the field does not have', () => {
    const error = directiveError(
      `type Query { books(first: Int): [Book] @listSize(slicingArguments: ["frist"]) } ${types}`,
    );
    expect(error.coordinate).toBe('Query.books');
    expect(error.message).toBe(
      '@listSize on Query.books: slicing argument "frist" is not an argument of the field',
    );
  });

  it('rejects a slicing argument that is not an Int', () => {
    const error = directiveError(
      `type Query { books(first: String): [Book] @listSize(slicingArguments: ["first"]) } ${types}`,
    );
    expect(error.message).toBe(
      '@listSize on Query.books: slicing argument "first" must be of type Int, not String',
    );
  });

  it('rejects a sized field that is not a list field of the returned type', () => {
    const missing = directiveError(
      `type Query { conn(first: Int): Conn @listSize(slicingArguments: ["first"], sizedFields: ["edgs"]) } ${types}`,
    );
    expect(missing.coordinate).toBe('Query.conn');
    expect(missing.message).toBe('@listSize on Query.conn: sized field "edgs" is not a list field of Conn');
    const notList = directiveError(
      `type Query { conn(first: Int): Conn @listSize(slicingArguments: ["first"], sizedFields: ["total"]) } ${types}`,
    );
    expect(notList.message).toBe('@listSize on Query.conn: sized field "total" is not a list field of Conn');
  });

  it('rejects @listSize on a field that is not a list and has no sizedFields', () => {
    const error = directiveError(`type Query { book: Book @listSize(assumedSize: 3) } ${types}`);
    expect(error.message).toBe(
      '@listSize on Query.book: the field does not return a list and has no sizedFields',
    );
  });

  it('rejects negative weights and sizes, naming the coordinate', () => {
    expect(directiveError(`type Query { book: Book @cost(weight: -1) } ${types}`).message).toBe(
      '@cost on Query.book: weight -1 must be a non-negative integer',
    );
    expect(directiveError(`type Query { book(id: ID @cost(weight: -2)): Book } ${types}`).coordinate).toBe(
      'Query.book(id:)',
    );
    expect(
      directiveError(`type Query { book: Book } type Book @cost(weight: -3) { id: ID }`).coordinate,
    ).toBe('Book');
    expect(directiveError(`type Query { books: [Book] @listSize(assumedSize: -4) } ${types}`).message).toBe(
      '@listSize on Query.books: assumedSize -4 must be a non-negative integer',
    );
  });

  it('rejects a negative default list size', () => {
    expect(() => createCostModel(demoSchema(), { defaultListSize: -1 })).toThrow(RangeError);
  });
});
