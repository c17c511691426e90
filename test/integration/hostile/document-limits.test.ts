import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { errorCodes, send } from './raw-http.js';

const CAPACITY = 1000;

describe('input limits: coded 400s before anything is priced or charged', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      // Small limits, to show each is configurable; the defaults are checked further down.
      env: {
        TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
        TOLLGATE_MAX_DOCUMENT_BYTES: '2000',
        TOLLGATE_MAX_TOKENS: '300',
        TOLLGATE_MAX_DEPTH: '6',
        TOLLGATE_MAX_ALIASES: '4',
        TOLLGATE_MAX_DIRECTIVES_PER_FIELD: '2',
        TOLLGATE_MAX_BATCH_OPERATIONS: '3',
        TOLLGATE_MAX_VARIABLES_BYTES: '200',
        TOLLGATE_MAX_VARIABLES_DEPTH: '5',
      },
    });
  });
  afterAll(() => tollgate.stop());

  /** Posts a body with a fresh key; returns the answer and the key's bucket afterwards. */
  async function refused(body: unknown) {
    const headers = { 'x-api-key': await tollgate.createKey(), 'content-type': 'application/json' };
    const answer = await send(tollgate.url, { headers, body: JSON.stringify(body) });
    const status = await postGraphQL(tollgate.url, '{ rateLimit(dryRun: true) { remaining } }', { headers });
    const bucket = status.body.data?.rateLimit as { remaining: number } | undefined;
    return { answer, remaining: bucket?.remaining };
  }

  const books = (depth: number) =>
    `{ books(first: 1) { ${'author { books { '.repeat(depth)}title${' } }'.repeat(depth)} } }`;

  it.each([
    ['document bytes', { query: `{ books(first: 1) { title } }${' '.repeat(2000)}` }, 'DOCUMENT_TOO_LARGE'],
    ['parser tokens', { query: `{ ${'a '.repeat(300)}}` }, 'TOO_MANY_TOKENS'],
    ['depth', { query: books(3) }, 'QUERY_TOO_DEEP'],
    [
      'aliases',
      { query: `{ ${[1, 2, 3, 4, 5].map((i) => `b${i}: books(first: 1) { title }`).join(' ')} }` },
      'TOO_MANY_ALIASES',
    ],
    [
      'directives per field',
      { query: '{ books(first: 1) @include(if: true) @skip(if: false) @include(if: true) { title } }' },
      'TOO_MANY_DIRECTIVES',
    ],
    [
      'operations per batch',
      Array.from({ length: 4 }, () => ({ query: '{ books(first: 1) { title } }' })),
      'BATCH_TOO_LARGE',
    ],
    [
      'variables bytes',
      {
        query: 'query ($t: String!) { searchReviews(text: $t) { edges { cursor } } }',
        variables: { t: 'x'.repeat(200) },
      },
      'VARIABLES_TOO_LARGE',
    ],
    [
      'variables depth',
      { query: '{ books(first: 1) { title } }', variables: { a: [[[[[1]]]]] } },
      'VARIABLES_TOO_LARGE',
    ],
  ])('%s: 400 %s, nothing priced, the bucket untouched', async (_, body, code) => {
    const { answer, remaining } = await refused(body);
    expect(answer.status).toBe(400);
    expect(errorCodes(answer.json)[0]).toBe(code);
    const error = (answer.json as { errors: Array<{ message: string; extensions: Record<string, unknown> }> })
      .errors[0];
    expect(error?.message).not.toMatch(/syntax error/i);
    expect(error?.extensions.limit).toEqual(expect.any(Number));
    expect((answer.json as { extensions?: unknown }).extensions).toBeUndefined();
    expect(remaining).toBe(CAPACITY);
  });

  it('lets documents at the limits through, and charges them', async () => {
    const { answer, remaining } = await refused({ query: books(2) });
    expect(answer.status).toBe(200);
    expect(remaining).toBeLessThan(CAPACITY);
  });

  it('holds introspection to the limits too', async () => {
    const query = `{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }`;
    const { answer, remaining } = await refused({ query });
    expect(answer.status).toBe(400);
    expect(errorCodes(answer.json)[0]).toBe('QUERY_TOO_DEEP');
    expect(remaining).toBe(CAPACITY);
  });

  it('applies to GET requests and to each operation of a batch', async () => {
    const headers = { 'apollo-require-preflight': 'true' };
    const search = `?${new URLSearchParams({ query: books(3) })}`;
    const get = await send(tollgate.url, { method: 'GET', headers, search });
    expect(get.status).toBe(400);
    expect(errorCodes(get.json)).toContain('QUERY_TOO_DEEP');
    const batch = await refused([{ query: '{ books(first: 1) { title } }' }, { query: books(3) }]);
    expect(batch.answer.status).toBe(400);
    expect(errorCodes(batch.answer.json)).toEqual(['QUERY_TOO_DEEP']);
  });

  it.each([
    [
      'aliases',
      `{ ${[1, 2, 3, 4, 5].map((i) => `b${i}: books(first: 1) { title }`).join(' ')} }`,
      'TOO_MANY_ALIASES',
    ],
    [
      'directives',
      '{ books(first: 1) @include(if: true) @skip(if: false) @include(if: true) { title } }',
      'TOO_MANY_DIRECTIVES',
    ],
    [
      'depth within the bracket bound',
      `{ books(first: 1) { ${'author { books { '.repeat(2)}author { name } ${'} } '.repeat(2)}} }`,
      'QUERY_TOO_DEEP',
    ],
  ])(
    'refuses a batch whole when one operation is over the %s limit: its siblings neither run nor pay',
    async (_, query, code) => {
      const batch = await refused([{ query: '{ books(first: 2) { title } }' }, { query }]);
      expect(batch.answer.status).toBe(400);
      expect(errorCodes(batch.answer.json)).toEqual([code]);
      expect(batch.remaining).toBe(CAPACITY);
    },
  );
});

describe('input limits at their defaults', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl') });
  });
  afterAll(() => tollgate.stop());

  it("let Apollo Sandbox's introspection query through", async () => {
    for (const query of [getIntrospectionQuery(), getIntrospectionQuery({ inputValueDeprecation: true })]) {
      const answer = await postGraphQL(tollgate.url, query, {
        headers: { 'x-api-key': await tollgate.createKey() },
      });
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.__schema).toBeDefined();
    }
  });

  it('refuse a 2,500-deep document with a 4xx, not a crash', async () => {
    const answer = await postGraphQL(tollgate.url, `{ ${'a { '.repeat(2500)}b${' }'.repeat(2500)} }`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });
});

describe('input limits keep graphql-js within its stack', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // Token and size limits far above the defaults: the nesting bound alone must hold.
    const env = { TOLLGATE_MAX_TOKENS: '100000', TOLLGATE_MAX_DOCUMENT_BYTES: '1000000' };
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env });
  });
  afterAll(() => tollgate.stop());

  it('refuse fields nested 2,000 deep twice over (graphql validation would overflow): 400, not 500', async () => {
    const chain = `${'books { author { '.repeat(1000)}name${' } }'.repeat(1000)}`;
    const answer = await postGraphQL(tollgate.url, `{ ${chain} ${chain} }`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });

  it('refuse lists nested 5,000 deep in an argument (the parser would overflow): 400 QUERY_TOO_DEEP', async () => {
    const answer = await postGraphQL(
      tollgate.url,
      `{ book(id: ${'['.repeat(5000)}1${']'.repeat(5000)}) { title } }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_DEEP');
  });
});
