import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { send } from '../hostile/raw-http.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('an answer as the front writes it: Apollo’s header fields, Tollgate’s, and a body of the length it says', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(() => tollgate.stop());

  it('a served operation: every field, Content-Length in bytes, not chunked', async () => {
    const body = JSON.stringify({ query: '{ book(id: "book-1") { title } }' });
    const answer = await send(tollgate.url, { headers: JSON_HEADERS, body });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['ratelimit-policy']).toMatch(/^"anonymous";q=\d+;w=\d+;tollgate-qu="points"$/);
    expect(answer.headers.ratelimit).toMatch(/^"anonymous";r=\d+;t=\d+$/);
    expect(answer.headers['transfer-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.text)));
    expect(answer.json).toMatchObject({ data: { book: { title: expect.any(String) } } });
  });

  it('a body with characters of several bytes: its length is counted in bytes', async () => {
    const bookId = 'livre-été-📚';
    const body = JSON.stringify({
      query: 'mutation($id: ID!) { addReview(bookId: $id, input: { rating: 5, body: "ok" }) { id } }',
      variables: { id: bookId },
    });
    const answer = await send(tollgate.url, { headers: JSON_HEADERS, body });
    expect(answer.text).toContain(bookId);
    expect(Buffer.byteLength(answer.text)).toBeGreaterThan(answer.text.length);
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.text)));
  });

  it('answers on one kept-alive connection follow one another, each whole', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ query: '{ books(first: 2) { title } }' });
      const answers = [];
      for (let i = 0; i < 3; i++)
        answers.push(await send(tollgate.url, { headers: JSON_HEADERS, body, agent }));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.headers.connection).toBe('keep-alive');
        expect(answer.json).toMatchObject({ data: { books: [{}, {}] } });
      }
    } finally {
      agent.destroy();
    }
  });
});
