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

/** SDL using the three @listSize forms of Apollo Router 2.12, with the given entries. */
const forms = (list: string, path: string, sized: string) => `
  type Query {
    search(ids: [ID!], input: SearchInput, inputs: [SearchInput!]): [Book]
      @listSize(slicingArguments: ["${list}", "${path}"], requireOneSlicingArgument: false)
    shelf(first: Int): Shelf @listSize(slicingArguments: ["first"], sizedFields: ["${sized}"])
  }
  input SearchInput { pagination: Pagination, text: String }
  input Pagination { first: Int, after: String }
  type Shelf { sections: Section, label: String, items: [Book!]! }
  type Section { title: String, items: [Book!]! }
  ${types}`;

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

  it('rejects a slicing argument that is neither an Int nor a list', () => {
    const error = directiveError(
      `type Query { books(first: String): [Book] @listSize(slicingArguments: ["first"]) } ${types}`,
    );
    expect(error.message).toBe(
      '@listSize on Query.books: slicing argument "first" must be of type Int or a list, not String',
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

  it('accepts list-typed and dotted slicing arguments and nested sized fields (Apollo Router 2.12)', () => {
    const model = createCostModel(
      schemaFromSdl(forms('ids', 'input.pagination.first', 'sections { items }')),
      {
        defaultListSize: 10,
      },
    );
    const search = model.schema.getQueryType()?.getFields().search;
    if (!search) throw new Error('Query.search is missing');
    expect(model.fieldCost('Query', search).listSize?.slicingArguments).toEqual([
      { name: 'ids', path: ['ids'] },
      { name: 'input.pagination.first', path: ['input', 'pagination', 'first'] },
    ]);
  });

  it('rejects a dotted slicing argument that leaves the field, names no input field, or passes a non-input', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['inptu.pagination.first', '"inptu" is not an argument of the field'],
      ['input.nope', 'input SearchInput has no field "nope"'],
      ['input.text.first', 'input.text is of type String, not an input object'],
      ['inputs.pagination.first', 'inputs is of type [SearchInput!], not an input object'],
      ['input.pagination.after', 'must be of type Int or a list, not String'],
      ['input..first', 'input SearchInput has no field ""'],
    ];
    for (const [path, reason] of cases) {
      const error = directiveError(forms(path, 'ids', 'sections { items }'));
      expect(error.coordinate).toBe('Query.search');
      expect(error.message).toContain('@listSize on Query.search: slicing argument');
      expect(error.message).toContain(`"${path}"`);
      expect(error.message).toContain(reason);
    }
  });

  it('rejects a nested sized field that is not a list, not a field, or goes through a leaf type', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['sections { title }', 'sized field "sections { title }": "title" is not a list field of Section'],
      ['nope { items }', 'sized field "nope { items }": "nope" is not a field of Shelf'],
      [
        'label { items }',
        'sized field "label { items }": Shelf.label returns String, which has no fields to size',
      ],
      [
        'sections { items title }',
        'sized field "sections { items title }" names items, title at one level: at most one list field per path',
      ],
      ['sections } query { x', 'sized field "sections } query { x" is not a field set'],
      ['all: items', 'sized field "all: items" may hold field names only'],
      [
        'sections { ... on Section { items } }',
        'sized field "sections { ... on Section { items } }" may hold field names only',
      ],
    ];
    for (const [entry, reason] of cases) {
      const error = directiveError(forms('ids', 'input.pagination.first', entry));
      expect(error.coordinate).toBe('Query.shelf');
      expect(error.message).toContain(`@listSize on Query.shelf: ${reason}`);
    }
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
