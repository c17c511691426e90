import { request } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { TollgateContext } from '../../../src/context.js';
import { bookstore } from '../../../src/demo/index.js';
import { createApiKey } from '../../../src/identity/api-keys.js';
import { createTollgate } from '../../../src/tollgate.js';
import { postGraphQL } from '../../support/http-client.js';
import { startTollgate, temporaryKeysFile } from '../../support/tollgate.js';

const QUERY = '{ books(first: 1) { title } }';
const UNKNOWN_KEY = `tg_abcdefghij_${'A'.repeat(43)}`;

interface Answer {
  status: number;
  code: unknown;
  data: unknown;
}

/** A raw `GET /graphql?query=…`, as urql sends queries: no content type, only the headers given. */
function getGraphQL(url: string, headers: Record<string, string>): Promise<Answer> {
  const target = new URL(url);
  target.searchParams.set('query', QUERY);
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve({ status: res.statusCode ?? 0, code: body.errors?.[0]?.extensions?.code, data: body.data });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A server under test: its GraphQL URL, a valid key of it, and how to stop it. */
interface Served {
  url: string;
  key: string;
  stop(): Promise<void>;
}

async function serve(): Promise<Served> {
  const tollgate = await startTollgate();
  return { url: tollgate.url, key: await tollgate.createKey(), stop: () => tollgate.stop() };
}

/** Tollgate embedded in the app's own Apollo Server (standalone), as the README shows. */
async function embedded(): Promise<Served> {
  const config = loadConfig({ LOG_LEVEL: 'silent', TOLLGATE_KEYS_FILE: temporaryKeysFile() });
  const tollgate = await createTollgate({
    typeDefs: bookstore.typeDefs,
    resolvers: bookstore.createResolvers(),
    config,
  });
  const apollo = new ApolloServer<TollgateContext>({ ...tollgate.apolloConfig });
  const { url } = await startStandaloneServer(apollo, {
    listen: { port: 0, host: '127.0.0.1' },
    context: ({ req }) => tollgate.context(req),
  });
  const { key } = await createApiKey(tollgate.keyStore, 'test', 'free');
  return { url, key, stop: () => apollo.stop() };
}

describe.each([
  ['serve', serve],
  ['embedded', embedded],
])('CSRF prevention and the API key header (%s)', (_, start) => {
  let server: Served;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.stop());

  it('serves a GET that carries the API key header: it cannot come cross-site without a preflight', async () => {
    const answer = await getGraphQL(server.url, { 'x-api-key': server.key });
    expect(answer).toMatchObject({ status: 200, data: { books: [expect.any(Object)] } });
  });

  it('answers a GET with a bad key 401, not the CSRF refusal', async () => {
    const answer = await getGraphQL(server.url, { 'x-api-key': UNKNOWN_KEY });
    expect(answer).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('answers a POST with a bad key 401', async () => {
    const answer = await postGraphQL(server.url, QUERY, { headers: { 'x-api-key': UNKNOWN_KEY } });
    expect(answer.status).toBe(401);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('still refuses a simple GET (no key, no preflight-forcing header): CSRF prevention stays on', async () => {
    const answer = await getGraphQL(server.url, {});
    expect(answer).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const withApolloHeader = await getGraphQL(server.url, { 'apollo-require-preflight': 'true' });
    expect(withApolloHeader.status).toBe(200);
  });
});
