import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { documentLimitRules } from '../../../src/limits/document-limits.js';
import { DEFAULT_LIMITS } from '../../../src/limits/limits.js';

const schema = buildSchema(`
  type Query { node: Node, nodes(first: Int): [Node!]!, name: String }
  type Node { id: ID!, child: Node, name: String }
`);

function codes(source: string, limits = DEFAULT_LIMITS): unknown[] {
  const errors = validate(schema, parse(source), [...specifiedRules, ...documentLimitRules(limits)]);
  return errors.map((error) => error.extensions.code ?? error.message);
}

/** `{ node { child { child … { id } } } }` with `depth` fields on the deepest path. */
function nested(depth: number): string {
  return `{ node ${'{ child '.repeat(depth - 2)}{ id }${' }'.repeat(depth - 2)} }`;
}

function aliased(count: number): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: name`).join(' ')} }`;
}

describe('document limits (validation rules)', () => {
  it('let the standard introspection query (Apollo Sandbox, graphql-js) through', () => {
    expect(codes(getIntrospectionQuery())).toEqual([]);
    expect(codes(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }))).toEqual([]);
  });

  it('refuse fields nested deeper than maxDepth (a root field is depth 1)', () => {
    expect(codes(nested(15))).toEqual([]);
    expect(codes(nested(16))).toEqual(['QUERY_TOO_DEEP']);
    expect(codes(nested(4), { ...DEFAULT_LIMITS, maxDepth: 3 })).toEqual(['QUERY_TOO_DEEP']);
  });

  it('count depth through fragments and inline fragments, and through introspection', () => {
    const viaFragments = `{ node { ...A } } fragment A on Node { child { ... on Node { child { ...B } } } }
      fragment B on Node { child { id } }`;
    expect(codes(viaFragments, { ...DEFAULT_LIMITS, maxDepth: 5 })).toEqual([]);
    expect(codes(viaFragments, { ...DEFAULT_LIMITS, maxDepth: 4 })).toEqual(['QUERY_TOO_DEEP']);
    const deepIntrospection = `{ __schema { types { fields { type ${'{ ofType '.repeat(12)}{ name }${' }'.repeat(12)} } } } }`;
    expect(codes(deepIntrospection)).toEqual(['QUERY_TOO_DEEP']);
  });

  it('refuse more aliases than maxAliases, counting a fragment once per spread', () => {
    expect(codes(aliased(30))).toEqual([]);
    expect(codes(aliased(31))).toEqual(['TOO_MANY_ALIASES']);
    const spreadTwice = '{ node { ...F } nodes { ...F } } fragment F on Node { a: id b: id c: id }';
    expect(codes(spreadTwice, { ...DEFAULT_LIMITS, maxAliases: 6 })).toEqual([]);
    expect(codes(spreadTwice, { ...DEFAULT_LIMITS, maxAliases: 5 })).toEqual(['TOO_MANY_ALIASES']);
  });

  it('measure an exponential fragment fan-out in linear time', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^40 aliases once expanded. The walk for
    // repeated selections stops first, past the 10,000 selections pricing would refuse.
    const fragments = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Node { a${i}: child { ...F${i + 1} } b${i}: child { ...F${i + 1} } }`,
    ).join('\n');
    const source = `{ node { ...F0 } } ${fragments} fragment F40 on Node { id }`;
    expect(codes(source, { ...DEFAULT_LIMITS, maxDepth: 100 })).toEqual(['QUERY_TOO_COMPLEX']);
  });

  it('survive fragment cycles (graphql reports the cycle itself)', () => {
    const cycle =
      '{ node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }';
    expect(codes(cycle)).toEqual(['Cannot spread fragment "A" within itself via "B".']);
  });

  it('refuse more directives than maxDirectivesPerField on one node, once, before graphql complains', () => {
    const on = (count: number) => `{ name ${'@skip(if: false) '.repeat(count)}}`;
    expect(codes(on(1))).toEqual([]);
    const refused = codes(on(6));
    expect(refused[0]).toBe('TOO_MANY_DIRECTIVES');
    expect(refused.filter((code) => code === 'TOO_MANY_DIRECTIVES')).toHaveLength(1);
    const onSpread = `{ node { ...F ${'@include(if: true) '.repeat(3)}} } fragment F on Node { id }`;
    expect(codes(onSpread, { ...DEFAULT_LIMITS, maxDirectivesPerField: 2 })[0]).toBe('TOO_MANY_DIRECTIVES');
  });
});
