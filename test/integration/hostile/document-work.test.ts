import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { TollgateContext } from '../../../src/context.js';
import { bookstore } from '../../../src/demo/index.js';
import { createTollgate } from '../../../src/tollgate.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate, temporaryKeysFile } from '../../support/tollgate.js';
import { errorCodes, type RawAnswer, send } from './raw-http.js';

// Generous: the refused documents below cost 0.5 to 6 s of CPU here before their work was bounded,
// and 5 to 20 ms now. What is measured is this process's CPU (server and client both), averaged.
const MAX_CPU_MS = 50;
const RUNS = 4;
/** Runs first, unmeasured: until V8 has compiled the paths a document takes, it costs several times more. */
const WARM_UP_RUNS = 20;

const CAPACITY = 1_000_000;

const times = (n: number, text: string) => Array.from({ length: n }, () => text).join(' ');

/** Issue 15's documents, each within the 5,000-token limit. */
const HOSTILE = {
  // graphql-js compares every pair of same-named fields: 12 million pairs, priced at 1 point.
  'the same field 4,980 times': `{ books(first: 1) { ${times(4980, 'title')} } }`,
  // The same, at 0 points.
  '__typename 4,990 times': `{ ${times(4990, '__typename')} }`,
};

describe('work the price does not see: bounded before validation', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // Room for every run of the served document below.
    const env = {
      TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
      TOLLGATE_TIER_FREE_MAX_COST: String(CAPACITY),
    };
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env });
  });
  afterAll(() => tollgate.stop());

  /**
   * Sends the document `WARM_UP_RUNS` times, then `RUNS` times measured, each time a new string (a
   * space more) so that no cache of parsed or validated documents spares the work; the mean CPU
   * ms of the measured runs and the last answer.
   */
  async function cpuPerRequest(
    query: string,
    variables?: string,
  ): Promise<{ cpuMs: number; answer: RawAnswer }> {
    const headers = { 'content-type': 'application/json', 'x-api-key': await tollgate.createKey() };
    const body = (run: number) =>
      `{"query":${JSON.stringify(query + ' '.repeat(run))}${variables ? `,"variables":${variables}` : ''}}`;
    let answer: RawAnswer | undefined;
    for (let run = 0; run < WARM_UP_RUNS; run++)
      answer = await send(tollgate.url, { headers, body: body(run) });
    const start = process.cpuUsage();
    for (let run = WARM_UP_RUNS; run < WARM_UP_RUNS + RUNS; run++) {
      answer = await send(tollgate.url, { headers, body: body(run) });
    }
    const used = process.cpuUsage(start);
    return { cpuMs: (used.user + used.system) / 1000 / RUNS, answer: answer as RawAnswer };
  }

  it.each(Object.entries(HOSTILE))(
    '%s: 400 TOO_MANY_REPEATED_SELECTIONS, in under 50 ms of CPU',
    async (_, query) => {
      const { cpuMs, answer } = await cpuPerRequest(query);
      expect(answer.status).toBe(400);
      expect(errorCodes(answer.json)).toEqual(['TOO_MANY_REPEATED_SELECTIONS']);
      expect(cpuMs).toBeLessThan(MAX_CPU_MS);
    },
  );

  it('the dearest shape the default limit lets through is served at about that cost', async () => {
    // 51 × books(first: 1) { id }: 50 repeats of `books`, 50 of `id` under them; graphql-js
    // compares 2,550 pairs, those of `books` with their arguments. About 30 ms here, served and
    // charged; twice the bound, so that a busy machine does not fail it.
    const query = `{ ${times(51, 'books(first: 1) { id }')} }`;
    const { cpuMs, answer } = await cpuPerRequest(query);
    expect(answer.status, answer.text).toBe(200);
    expect(cpuMs).toBeLessThan(2 * MAX_CPU_MS);
  });

  it('a body nested 500,000 deep: 400 VARIABLES_TOO_LARGE, refused before JSON.parse, in under 50 ms', async () => {
    const deep = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    const { cpuMs, answer } = await cpuPerRequest('{ books(first: 1) { title } }', `{"a":${deep}}`);
    expect(answer.status).toBe(400);
    expect(errorCodes(answer.json)).toEqual(['VARIABLES_TOO_LARGE']);
    expect(cpuMs).toBeLessThan(MAX_CPU_MS);
  });

  it('refuses before anything is charged, and says which field repeats', async () => {
    const key = await tollgate.createKey();
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    const body = JSON.stringify({ query: HOSTILE['the same field 4,980 times'] });
    const answer = await send(tollgate.url, { headers, body });
    const error = (answer.json as { errors: Array<{ message: string; extensions: Record<string, unknown> }> })
      .errors[0];
    expect(error?.extensions).toEqual({ code: 'TOO_MANY_REPEATED_SELECTIONS', limit: 100 });
    expect(error?.message).toMatch(/"title" is selected 102 times at one place/);
    const status = await postGraphQL(tollgate.url, '{ rateLimit(dryRun: true) { remaining } }', {
      headers: { 'x-api-key': key },
    });
    expect(status.body.data?.rateLimit).toEqual({ remaining: CAPACITY });
  });
});

describe('work the price does not see, in an app that embeds Tollgate', () => {
  let apollo: ApolloServer<TollgateContext>;
  let url: string;
  beforeAll(async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', TOLLGATE_KEYS_FILE: temporaryKeysFile() });
    const tollgate = await createTollgate({
      typeDefs: bookstore.typeDefs,
      resolvers: bookstore.createResolvers(),
      config,
    });
    // No Tollgate HTTP front: the validation rule alone stands before graphql-js's own rules.
    apollo = new ApolloServer<TollgateContext>({ ...tollgate.apolloConfig });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: ({ req }) => tollgate.context(req),
    }));
  });
  afterAll(() => apollo.stop());

  it.each(Object.entries(HOSTILE))(
    '%s: Apollo answers 400 TOO_MANY_REPEATED_SELECTIONS, quickly',
    async (_, query) => {
      const headers = { 'content-type': 'application/json' };
      const body = (run: number) => JSON.stringify({ query: query + ' '.repeat(run) });
      for (let run = 0; run < WARM_UP_RUNS; run++) await send(url, { headers, body: body(run) });
      const start = process.cpuUsage();
      let answer: RawAnswer | undefined;
      for (let run = WARM_UP_RUNS; run < WARM_UP_RUNS + RUNS; run++)
        answer = await send(url, { headers, body: body(run) });
      const used = process.cpuUsage(start);
      expect(answer?.status).toBe(400);
      expect(errorCodes(answer?.json)).toEqual(['TOO_MANY_REPEATED_SELECTIONS']);
      expect((used.user + used.system) / 1000 / RUNS).toBeLessThan(MAX_CPU_MS);
    },
  );
});
