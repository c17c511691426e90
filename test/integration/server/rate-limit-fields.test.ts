import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import type { TollgateContext } from '../../../src/context.js';
import { bookstore } from '../../../src/demo/index.js';
import { createTollgate } from '../../../src/tollgate.js';
import { type GraphQLHttpResponse, postGraphQL, postRaw } from '../../support/http-client.js';
import { type ListMember, parseList, StructuredFieldError, Token } from '../../support/structured-fields.js';
import { type RunningTollgate, startTollgate, temporaryKeysFile } from '../../support/tollgate.js';

// Keys are the `free` tier: a bucket of 100 points restored at 10 per second.
const SMALL_BUCKET = { TOLLGATE_TIER_FREE_CAPACITY: '100', TOLLGATE_TIER_FREE_REFILL_PER_SEC: '10' };
const REFILL_PER_SEC = 10;
/** `books(first: n)` costs n points. */
const books = (n: number) => `{ books(first: ${n}) { title } }`;

/** The one member of a RateLimit field, parsed strictly as a Structured Field List. */
function onlyMember(value: string | string[] | undefined): ListMember {
  expect(typeof value, 'the field is sent once').toBe('string');
  const members = parseList(value as string);
  expect(members).toHaveLength(1);
  return members[0] as ListMember;
}

/** `RateLimit-Policy`: the tier's policy, its quota in points, said the way the draft allows. */
function expectPointsPolicy(answer: GraphQLHttpResponse) {
  const policy = onlyMember(answer.headers['ratelimit-policy']);
  // The policy's name is a String (not a Token), and q and w are Integers.
  expect(policy.value).toBe('free');
  expect(Object.fromEntries(policy.params)).toEqual({ q: 100, w: 10, 'tollgate-qu': 'points' });
  // `qu` takes only registered units, and an absent `qu` means requests: the unit is named in the
  // vendor parameter instead, a String.
  expect(policy.params.has('qu')).toBe(false);
}

/** `RateLimit`: the policy's service limit, `r` and `t` Integers. */
function serviceLimit(answer: GraphQLHttpResponse): { r: number; t: number } {
  const limit = onlyMember(answer.headers.ratelimit);
  expect(limit.value).toBe('free');
  const r = limit.params.get('r');
  const t = limit.params.get('t');
  expect(Number.isInteger(r) && Number.isInteger(t)).toBe(true);
  return { r: r as number, t: t as number };
}

/** `Retry-After` in delay-seconds (never a date nor a duration string). */
function retryAfter(answer: GraphQLHttpResponse): number {
  const value = answer.headers['retry-after'];
  expect(value).toMatch(/^\d+$/);
  return Number(value);
}

async function postBatch(url: string, queries: string[], headers: Record<string, string>) {
  const answer = await postRaw(url, JSON.stringify(queries.map((query) => ({ query }))), { headers });
  return { ...answer, results: answer.body as unknown as GraphQLHttpResponse['body'][] };
}

describe('the strict Structured Field parser the tests use', () => {
  it('reads Lists of Items with Parameters, Strings apart from Tokens', () => {
    const [first, second] = parseList('"a";q=1;w=2;x="b", c;r=0;t=10;f;d=1.5');
    expect(first?.value).toBe('a');
    expect(Object.fromEntries(first?.params ?? [])).toEqual({ q: 1, w: 2, x: 'b' });
    expect(second?.value).toEqual(new Token('c'));
    expect(Object.fromEntries(second?.params ?? [])).toEqual({ r: 0, t: 10, f: true, d: 1.5 });
  });

  it.each([
    ['a trailing comma', '"a";q=1,'],
    ['an upper-case key', '"a";Q=1'],
    ['an unterminated string', '"a'],
    ['a duration string', '"a";t=5s'],
    ['an integer of 16 digits', '"a";r=1234567890123456'],
    ['a space before a parameter', '"a" ;q=1'],
  ])('refuses %s', (_, value) => {
    expect(() => parseList(value)).toThrow(StructuredFieldError);
  });
});

describe('RateLimit header fields and Retry-After (serve)', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ env: SMALL_BUCKET });
  });
  afterAll(() => tollgate.stop());

  it('200: both fields parse as Structured Fields; the policy names points; t is the seconds until full', async () => {
    const answer = await postGraphQL(tollgate.url, books(60), {
      headers: { 'x-api-key': await tollgate.createKey() },
    });
    expect(answer.status).toBe(200);
    expectPointsPolicy(answer);
    const { r, t } = serviceLimit(answer);
    expect(r).toBe(40);
    expect(t).toBe(Math.ceil((100 - r) / REFILL_PER_SEC));
    expect(answer.headers['retry-after']).toBeUndefined();
  });

  it('429: t is the seconds until the refused cost fits, the moment Retry-After names', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    await postGraphQL(tollgate.url, books(60), { headers });
    const refused = await postGraphQL(tollgate.url, books(60), { headers });
    expect(refused.status).toBe(429);
    expectPointsPolicy(refused);
    const { r, t } = serviceLimit(refused);
    // About 20 points missing at 10 per second: 2 s (the bucket would be full only after 6 s).
    expect(r).toBeGreaterThanOrEqual(40);
    expect(retryAfter(refused)).toBe(Math.ceil((60 - r) / REFILL_PER_SEC));
    expect(t).toBe(retryAfter(refused));
  });

  it('an all-throttled batch: 429, Retry-After when the bucket holds the whole batch, t the same; then served whole', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    await postGraphQL(tollgate.url, books(95), { headers });
    // 5 points left: 10 fits in 1 s, 15 in 1 s, both together (25) in 2 s.
    const refused = await postBatch(tollgate.url, [books(10), books(15)], headers);
    expect(refused.status).toBe(429);
    expect(refused.results.map((result) => result.errors?.[0]?.extensions?.code)).toEqual([
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    expect(refused.results.map((result) => result.errors?.[0]?.extensions?.retryAfter)).toEqual([1, 1]);
    expect(retryAfter(refused)).toBe(2);
    expectPointsPolicy(refused);
    expect(serviceLimit(refused).t).toBe(2);

    await sleep(2000);
    const served = await postBatch(tollgate.url, [books(10), books(15)], headers);
    expect(served.status).toBe(200);
    expect(served.results.map((result) => result.errors)).toEqual([undefined, undefined]);
  });

  it('a partly throttled batch stays 200, without Retry-After: what ran was paid for', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const answer = await postBatch(tollgate.url, [books(60), books(60)], headers);
    expect(answer.status).toBe(200);
    expect(answer.headers['retry-after']).toBeUndefined();
    const codes = answer.results.map((result) => result.errors?.[0]?.extensions?.code ?? 'served');
    expect(codes.sort()).toEqual(['RATE_LIMITED', 'served']);
    const { r, t } = serviceLimit(answer);
    expect(t).toBe(Math.ceil((100 - r) / REFILL_PER_SEC));
  });
});

describe('an all-throttled batch in an app that embeds Tollgate (Apollo standalone)', () => {
  let apollo: ApolloServer<TollgateContext>;
  let url: string;
  beforeAll(async () => {
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      TOLLGATE_KEYS_FILE: temporaryKeysFile(),
      TOLLGATE_TIER_ANONYMOUS_CAPACITY: '100',
      TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '10',
    });
    const tollgate = await createTollgate({
      typeDefs: bookstore.typeDefs,
      resolvers: bookstore.createResolvers(),
      config,
    });
    apollo = new ApolloServer<TollgateContext>({ ...tollgate.apolloConfig, allowBatchedHttpRequests: true });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: ({ req }) => tollgate.context(req),
    }));
  });
  afterAll(() => apollo.stop());

  it('answers 429 with Retry-After and t agreeing, as Tollgate serves it', async () => {
    await postGraphQL(url, books(95));
    const refused = await postBatch(url, [books(10), books(15)], {});
    expect(refused.status).toBe(429);
    expect(retryAfter(refused)).toBe(2);
    expect(onlyMember(refused.headers.ratelimit).params.get('t')).toBe(2);
  });
});
