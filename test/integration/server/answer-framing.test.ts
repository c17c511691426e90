import { Agent, request } from 'node:http';
import { GraphQLError } from 'graphql';
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

describe('answers an app shapes through Apollo’s extensions.http: a status without a body, a field Node refuses', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // An app's resolver may answer with its own status (Apollo's `extensions.http`).
    tollgate = await startTollgate({
      typeDefs: ['type Query { nothing: String, badHeader: String }'],
      resolvers: {
        Query: {
          nothing: () => {
            throw new GraphQLError('Nothing to send.', { extensions: { http: { status: 204 } } });
          },
          badHeader: () => {
            const headers = new Map([['x-note', 'two\nlines']]);
            throw new GraphQLError('A field Node will not write.', { extensions: { http: { headers } } });
          },
        },
      },
    });
  });
  afterAll(() => tollgate.stop());

  it('a 204 carries no Content-Length and no body, and the connection serves the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ query: '{ nothing }' });
      for (let i = 0; i < 2; i++) {
        const answer = await send(tollgate.url, { headers: JSON_HEADERS, body, agent });
        expect(answer.status).toBe(204);
        expect(answer.headers['content-length']).toBeUndefined();
        expect(answer.text).toBe('');
      }
    } finally {
      agent.destroy();
    }
  });

  it('a field Node refuses to write: 500 with its own reason phrase and a coded JSON body', async () => {
    const body = JSON.stringify({ query: '{ badHeader }' });
    const answer = await new Promise<{ status?: number; reason?: string; text: string }>(
      (resolve, reject) => {
        const req = request(tollgate.url, { method: 'POST', headers: JSON_HEADERS }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode,
              reason: res.statusMessage,
              text,
            }),
          );
        });
        req.on('error', reject);
        req.end(body);
      },
    );
    expect(answer.status).toBe(500);
    expect(answer.reason).toBe('Internal Server Error');
    expect(JSON.parse(answer.text)).toMatchObject({
      errors: [{ extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  });
});
