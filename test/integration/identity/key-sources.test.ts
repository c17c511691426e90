import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// Failed attempts are counted per address in Redis, which may outlive a run: addresses of this run's own.
const run = Math.floor(Math.random() * 200) + 20;
let next = 0;
const address = () => `127.${run}.${Math.floor(next / 250)}.${(next++ % 250) + 1}`;

const FREE = '{ rateLimit { cost } }';
const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLW9mLXRoZS1hcHA';
const FAILURES = { TOLLGATE_AUTH_FAILURES_MAX: '3', TOLLGATE_AUTH_FAILURES_WINDOW: '1m' };

describe("Authorization that is the app's, not a key", () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env: FAILURES });
  });
  afterAll(() => tollgate.stop());

  it.each([
    ['a JWT bearer token', `Bearer ${JWT}`],
    ['Basic credentials', 'Basic dXNlcjpwYXNz'],
    ['a malformed header', 'let me in'],
  ])('with %s is served anonymously, 20 times, and locks nothing out', async (_, authorization) => {
    const ip = address();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        postGraphQL(tollgate.url, FREE, { headers: { authorization }, localAddress: ip }),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers['ratelimit-policy']).toMatch(/^"anonymous";/);
    }
    const keyed = await postGraphQL(tollgate.url, FREE, {
      headers: { 'x-api-key': await tollgate.createKey() },
      localAddress: ip,
    });
    expect(keyed.status).toBe(200);
    expect(keyed.headers['ratelimit-policy']).toMatch(/^"free";/);
  });

  it.each([
    ['a bearer token with the key prefix', { authorization: 'Bearer tg_garbage' }],
    ['a malformed x-api-key', { 'x-api-key': 'let-me-in' }],
  ])('with %s is refused (401) every time, without a lookup, and locks out no key', async (_, headers) => {
    const ip = address();
    for (let i = 0; i < 10; i++) {
      const refused = await postGraphQL(tollgate.url, FREE, { headers, localAddress: ip });
      expect(refused.status).toBe(401);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    // Over the lock-out's limit (3), yet a key never seen at this address is served.
    const keyed = await postGraphQL(tollgate.url, FREE, {
      headers: { authorization: `Bearer ${await tollgate.createKey()}` },
      localAddress: ip,
    });
    expect(keyed.status).toBe(200);
    expect(keyed.headers['ratelimit-policy']).toMatch(/^"free";/);
  });
});

describe('keys in a header of the owner’s choosing (TOLLGATE_API_KEY_HEADER)', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      env: { ...FAILURES, TOLLGATE_API_KEY_HEADER: 'X-Tollgate-Key' },
    });
  });
  afterAll(() => tollgate.stop());

  it('reads the key there, and refuses a wrong one there', async () => {
    const key = await tollgate.createKey('pro');
    const served = await postGraphQL(tollgate.url, FREE, {
      headers: { 'x-tollgate-key': key },
      localAddress: address(),
    });
    expect(served.status).toBe(200);
    expect(served.headers['ratelimit-policy']).toMatch(/^"pro";/);
    const wrong = await postGraphQL(tollgate.url, FREE, {
      headers: { 'x-tollgate-key': 'let-me-in' },
      localAddress: address(),
    });
    expect(wrong.status).toBe(401);
  });

  it('ignores x-api-key, a valid key or not, and counts nothing', async () => {
    const ip = address();
    const headers = [{ 'x-api-key': await tollgate.createKey('pro') }, { 'x-api-key': 'let-me-in' }];
    // More wrong values than the lock-out allows (3): none of them counts.
    for (const sent of [...headers, ...headers, ...headers, ...headers]) {
      const answer = await postGraphQL(tollgate.url, FREE, { headers: sent, localAddress: ip });
      expect(answer.status).toBe(200);
      expect(answer.headers['ratelimit-policy']).toMatch(/^"anonymous";/);
    }
    const key = await tollgate.createKey();
    expect(
      (await postGraphQL(tollgate.url, FREE, { headers: { 'x-tollgate-key': key }, localAddress: ip }))
        .status,
    ).toBe(200);
  });

  it('still takes Bearer tg_… keys', async () => {
    const answer = await postGraphQL(tollgate.url, FREE, {
      headers: { authorization: `Bearer ${await tollgate.createKey('pro')}` },
      localAddress: address(),
    });
    expect(answer.headers['ratelimit-policy']).toMatch(/^"pro";/);
  });
});

describe('no bearer keys (TOLLGATE_API_KEY_BEARER=false)', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      env: { ...FAILURES, TOLLGATE_API_KEY_BEARER: 'false' },
    });
  });
  afterAll(() => tollgate.stop());

  it('ignores Bearer tg_…, valid or not, and counts nothing; x-api-key still works', async () => {
    const ip = address();
    const key = await tollgate.createKey('pro');
    // More wrong tokens than the lock-out allows (3): none of them counts.
    for (const token of [key, 'tg_garbage', 'tg_garbage', 'tg_garbage', 'tg_garbage']) {
      const answer = await postGraphQL(tollgate.url, FREE, {
        headers: { authorization: `Bearer ${token}` },
        localAddress: ip,
      });
      expect(answer.status).toBe(200);
      expect(answer.headers['ratelimit-policy']).toMatch(/^"anonymous";/);
    }
    const keyed = await postGraphQL(tollgate.url, FREE, { headers: { 'x-api-key': key }, localAddress: ip });
    expect(keyed.status).toBe(200);
    expect(keyed.headers['ratelimit-policy']).toMatch(/^"pro";/);
  });
});
