import { getIntrospectionQuery, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isIntrospectionOnly } from '../../../src/sandbox/introspection-only.js';

function check(source: string): boolean {
  const document = parse(source);
  const operation = document.definitions.find(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  return isIntrospectionOnly(document, operation);
}

describe('introspection-only operations', () => {
  it('recognises the introspection query Sandbox and graphql-js send, fragments and all', () => {
    expect(check(getIntrospectionQuery())).toBe(true);
    expect(check(getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }))).toBe(true);
  });

  it('recognises __type and __typename alone, through inline fragments and spreads', () => {
    expect(check('{ __typename }')).toBe(true);
    expect(check('{ __type(name: "Book") { name fields { name } } }')).toBe(true);
    expect(
      check(
        'query { ... on Query { __typename } ...Meta } fragment Meta on Query { __schema { types { name } } }',
      ),
    ).toBe(true);
  });

  it('treats any data field at the root as an ordinary operation, even one that is skipped', () => {
    expect(check('{ __schema { types { name } } books { title } }')).toBe(false);
    expect(check('query($x: Boolean!) { __typename books @skip(if: $x) { title } }')).toBe(false);
    expect(check('query { ...Both } fragment Both on Query { __typename books { title } }')).toBe(false);
  });

  it('never exempts mutations, or an operation it cannot resolve', () => {
    expect(check('mutation { __typename }')).toBe(false);
    expect(check('{ ...Missing }')).toBe(false);
    expect(isIntrospectionOnly(parse('{ __typename }'), undefined)).toBe(false);
  });
});
