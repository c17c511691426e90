import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { errorCodes, send } from './raw-http.js';

const QUERY = JSON.stringify({ query: '{ books(first: 1) { title } }' });

describe('requests that are not GraphQL get a coded 4xx', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      env: { TOLLGATE_MAX_BODY_BYTES: '4096' },
    });
  });
  afterAll(() => tollgate.stop());

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'a POST as %s is refused by CSRF prevention: 400 BAD_REQUEST',
    async (contentType) => {
      const answer = await send(tollgate.url, { headers: { 'content-type': contentType }, body: QUERY });
      expect(answer.status).toBe(400);
      expect(errorCodes(answer.json)).toEqual(['BAD_REQUEST']);
      expect(answer.text).toContain('Cross-Site Request Forgery');
    },
  );

  it('a POST without a content type is refused by CSRF prevention too', async () => {
    const answer = await send(tollgate.url, { body: QUERY });
    expect(answer.status).toBe(400);
    expect(errorCodes(answer.json)).toEqual(['BAD_REQUEST']);
  });

  it('another non-JSON content type: 400 BAD_REQUEST', async () => {
    for (const contentType of ['application/xml', 'application/graphql', 'text/plain']) {
      const headers = { 'content-type': contentType, 'apollo-require-preflight': 'true' };
      const answer = await send(tollgate.url, { headers, body: QUERY });
      expect(answer.status, contentType).toBe(400);
      expect(errorCodes(answer.json), contentType).toEqual(['BAD_REQUEST']);
    }
  });

  it('invalid JSON: 400 BAD_REQUEST', async () => {
    const headers = { 'content-type': 'application/json' };
    for (const body of ['{"query": "{ books { title } }"', '{query: 1}', '\u0000\u0001', '[{"query":']) {
      const answer = await send(tollgate.url, { headers, body });
      expect(answer.status, body).toBe(400);
      expect(errorCodes(answer.json), body).toEqual(['BAD_REQUEST']);
    }
  });

  it('a GET carrying a mutation: 405 BAD_REQUEST with Allow: POST, and nothing runs', async () => {
    const search = `?${new URLSearchParams({
      query: 'mutation { addReview(bookId: "1", input: { rating: 5, body: "get" }) { id } }',
    })}`;
    const headers = { 'apollo-require-preflight': 'true' };
    const answer = await send(tollgate.url, { method: 'GET', headers, search });
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(errorCodes(answer.json)).toEqual(['BAD_REQUEST']);
    expect((answer.json as { extensions?: unknown }).extensions).toBeUndefined();
  });

  it('a GET without a preflight header is refused by CSRF prevention', async () => {
    const search = `?${new URLSearchParams({ query: '{ books(first: 1) { title } }' })}`;
    const answer = await send(tollgate.url, { method: 'GET', search });
    expect(answer.status).toBe(400);
    expect(errorCodes(answer.json)).toEqual(['BAD_REQUEST']);
  });

  it('other methods: 405 BAD_REQUEST', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const answer = await send(tollgate.url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: QUERY,
      });
      expect(answer.status, method).toBe(405);
      expect(errorCodes(answer.json), method).toEqual(['BAD_REQUEST']);
    }
  });

  it('a body over TOLLGATE_MAX_BODY_BYTES: 413 BAD_REQUEST, declared or streamed', async () => {
    const body = JSON.stringify({ query: `{ books { title } }${' '.repeat(5000)}` });
    const declared = await send(tollgate.url, { headers: { 'content-type': 'application/json' }, body });
    expect(declared.status).toBe(413);
    expect(errorCodes(declared.json)).toEqual(['BAD_REQUEST']);
    const chunked = await send(tollgate.url, {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
    });
    expect(chunked.status).toBe(413);
    expect(errorCodes(chunked.json)).toEqual(['BAD_REQUEST']);
  });

  it('a body of megabytes: 413, and the server still answers', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 'a');
    const answer = await send(tollgate.url, { headers: { 'content-type': 'application/json' }, body });
    expect(answer.status).toBe(413);
    const after = await send(tollgate.url, { headers: { 'content-type': 'application/json' }, body: QUERY });
    expect(after.status).toBe(200);
  });
});
