import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentLimitRules } from '../../../src/limits/document-limits.js';
import { DEFAULT_LIMITS } from '../../../src/limits/limits.js';
import { countRepeatedSelections, MAX_EXPANDED_SELECTIONS } from '../../../src/limits/repeated-selections.js';

const schema = buildSchema(`
  type Query { node: Node, nodes(first: Int): [Node!]!, name: String }
  type Node { id: ID!, child: Node, name: String }
`);

function repeated(source: string, maxRepeated = 1000) {
  return countRepeatedSelections(parse(source), maxRepeated);
}

const times = (n: number, text: string) => Array.from({ length: n }, () => text).join(' ');

describe('countRepeatedSelections', () => {
  it('counts a response name selected again at one place, not the first selection', () => {
    expect(repeated('{ name }').repeated).toBe(0);
    expect(repeated('{ name name name }')).toMatchObject({
      repeated: 2,
      mostRepeated: { name: 'name', times: 3 },
    });
    // An alias is the response name: `a: name` and `name` are two names.
    expect(repeated('{ a: name name a: id }').repeated).toBe(1);
  });

  it('merges inline fragments and the sub-selections of same-named fields into one place', () => {
    // node ×2 at the root, id ×2 under them: graphql-js compares both pairs.
    expect(repeated('{ node { id } node { id } }').repeated).toBe(2);
    expect(repeated('{ ... on Query { name } ... { name } }').repeated).toBe(1);
    expect(repeated('{ node { id } n: node { id } }').repeated).toBe(0);
  });

  it('expands named fragments once per place, and counts each further fragment spread there', () => {
    const source = `{ node { ...A ...A ...B } }
      fragment A on Node { id }
      fragment B on Node { id name }`;
    // At node: B spread beside A (1), and `id` from B again (1).
    expect(repeated(source).repeated).toBe(2);
  });

  it('walks fragments no operation spreads (graphql-js validates them too)', () => {
    expect(repeated(`{ name } fragment Unused on Node { ${times(5, 'id')} }`).repeated).toBe(4);
  });

  it('does not follow fragment cycles, and stops at its bounds', () => {
    expect(repeated('{ node { ...A } } fragment A on Node { child { ...A } id }').exceeded).toBeNull();
    expect(repeated(`{ ${times(12, 'name')} }`, 10)).toMatchObject({ repeated: 11, exceeded: 'repeated' });
    // Aliases make every place new: 2^14 selections expanded from a few dozen tokens.
    const doubling = Array.from(
      { length: 14 },
      (_, i) => `fragment F${i} on Node { a: child { ...F${i + 1} } b: child { ...F${i + 1} } }`,
    ).join(' ');
    const expanded = repeated(`{ node { ...F0 } } ${doubling} fragment F14 on Node { id }`);
    expect(expanded).toMatchObject({ exceeded: 'expanded' });
    expect(expanded.expanded).toBe(MAX_EXPANDED_SELECTIONS + 1);
  });
});

describe('the repeated-selections rule', () => {
  const rules = (maxRepeatedSelections: number) => [
    ...specifiedRules,
    ...documentLimitRules({ ...DEFAULT_LIMITS, maxRepeatedSelections }),
  ];

  it('lets the introspection query through at the default', () => {
    expect(
      validate(schema, parse(getIntrospectionQuery()), rules(DEFAULT_LIMITS.maxRepeatedSelections)),
    ).toEqual([]);
  });

  it('reports TOO_MANY_REPEATED_SELECTIONS and ends the validation there, before graphql-js compares fields', () => {
    const source = `{ nodes(first: 1) { ${times(4980, 'name')} } }`;
    const start = process.cpuUsage();
    const errors = validate(schema, parse(source), rules(100));
    const used = process.cpuUsage(start);
    // Alone: no rule went on to visit the document (graphql-js's would take seconds here).
    expect(errors.map((error) => error.extensions)).toEqual([
      { code: 'TOO_MANY_REPEATED_SELECTIONS', limit: 100, http: { status: 400, headers: new Map() } },
    ]);
    expect(errors[0]?.message).toMatch(/"name" is selected 102 times at one place/);
    expect((used.user + used.system) / 1000).toBeLessThan(200);
    expect(validate(schema, parse(`{ ${times(101, 'name')} }`), rules(100))).toEqual([]);
  });
});
