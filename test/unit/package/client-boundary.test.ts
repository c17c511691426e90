import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, sourceFiles, specifiers } from '../../support/source-imports.js';

const CLIENT = join(SRC, 'client');
/** The optional peer dependencies, and the one module of the client each may be imported by. */
const CLIENT_LIBRARIES: Array<[RegExp, string]> = [
  [/^@apollo\/client(\/|$)/, 'client/apollo.ts'],
  [/^rxjs(\/|$)/, 'client/apollo.ts'],
  [/^@urql\/core(\/|$)/, 'client/urql.ts'],
  [/^graphql-request(\/|$)/, 'nowhere: the fetch wrapper needs nothing of it'],
];

describe('the client integrations and their optional peers', () => {
  const files = sourceFiles(SRC);

  it('import each client library from its own subpath module only', () => {
    const offending = files.flatMap((file) =>
      specifiers(file).flatMap((specifier) => {
        const rule = CLIENT_LIBRARIES.find(([pattern]) => pattern.test(specifier));
        return rule && rule[1] !== relative(SRC, file) ? [`${relative(SRC, file)}: ${specifier}`] : [];
      }),
    );
    expect(offending).toEqual([]);
    expect(specifiers(join(CLIENT, 'urql.ts'))).toContain('@urql/core');
  });

  it('are reached by nothing outside src/client, so the main entry never loads them', () => {
    const outside = files.filter((file) => relative(CLIENT, file).startsWith('..'));
    const offending = outside.flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) => !relative(CLIENT, resolve(dirname(file), specifier)).startsWith('..'))
        .map((specifier) => `${relative(SRC, file)}: ${specifier}`),
    );
    expect(outside.length).toBeGreaterThan(0);
    expect(offending).toEqual([]);
  });

  it('import nothing of Node, so that they run in browsers', () => {
    const offending = sourceFiles(CLIENT).flatMap((file) =>
      specifiers(file)
        .filter((specifier) => specifier.startsWith('node:'))
        .map((specifier) => `${relative(SRC, file)}: ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});
