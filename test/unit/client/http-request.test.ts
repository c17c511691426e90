import { describe, expect, it } from 'vitest';
import { readGraphQLRequest } from '../../../src/client/http-request.js';

const QUERY = 'query Page($first: Int!) { books(first: $first) { id } }';

describe('reading the GraphQL request a fetch is handed', () => {
  it('reads a POST, adds the API key and the CSRF-prevention header', async () => {
    const read = await readGraphQLRequest(
      'http://api.test/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY, operationName: 'Page', variables: { first: 2 } }),
      },
      { apiKey: 'tg_key' },
    );
    expect(read?.operations).toEqual([{ document: `Page\n${QUERY}`, variables: '{"first":2}' }]);
    expect(read?.operationNames).toEqual(['Page']);
    const sent = new Headers(read?.init.headers);
    expect([sent.get('x-api-key'), sent.get('apollo-require-preflight'), sent.get('content-type')]).toEqual([
      'tg_key',
      'true',
      'application/json',
    ]);
  });

  it('reads a GET from its query string (urql), and a batch member by member', async () => {
    const search = new URLSearchParams({ query: QUERY, variables: '{"first":3}', operationName: 'Page' });
    const get = await readGraphQLRequest(new URL(`http://api.test/graphql?${search}`), undefined, {});
    expect(get?.operations).toEqual([{ document: `Page\n${QUERY}`, variables: '{"first":3}' }]);
    const batch = await readGraphQLRequest(
      'http://api.test/graphql',
      { method: 'POST', body: JSON.stringify([{ query: '{ a }' }, { query: '{ b }', variables: { x: 1 } }]) },
      {},
    );
    expect(batch?.operations).toEqual([
      { document: '\n{ a }', variables: '{}' },
      { document: '\n{ b }', variables: '{"x":1}' },
    ]);
  });

  it("keeps the caller's own key and CSRF header, and reads a Request's body", async () => {
    const request = new Request('http://api.test/graphql', {
      method: 'POST',
      headers: { 'x-api-key': 'mine', 'x-apollo-operation-name': 'Page' },
      body: JSON.stringify({ query: QUERY, variables: { first: 1 } }),
    });
    const read = await readGraphQLRequest(request, undefined, { apiKey: 'other' });
    const sent = new Headers(read?.init.headers);
    expect([sent.get('x-api-key'), sent.get('apollo-require-preflight')]).toEqual(['mine', null]);
    expect(read?.init.body).toBe(JSON.stringify({ query: QUERY, variables: { first: 1 } }));
  });

  it('leaves anything else alone: no query, a body that is not JSON', async () => {
    expect(await readGraphQLRequest('http://api.test/health', undefined, {})).toBeUndefined();
    expect(
      await readGraphQLRequest('http://api.test/graphql', { method: 'POST', body: 'not json' }, {}),
    ).toBeUndefined();
  });
});
