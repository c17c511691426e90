import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTollgateClient } from '../../../src/client/tollgate-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// Keys are the `free` tier: a bucket of 20 points restored at 100 per second.
const CAPACITY = 20;
const REFILL_PER_SEC = 100;
const SMALL_BUCKET = {
  TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: String(REFILL_PER_SEC),
};
// 2 points each (two books): 200 of them are 400 points, 20 times the bucket.
const QUERY = 'query TwoBooks($first: Int!) { books(first: $first) { title } }';
const COST = 2;
const QUERIES = 200;

describe('the pacing client against a small bucket', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env: SMALL_BUCKET });
  });
  afterAll(() => tollgate.stop());

  it('completes 200 parallel queries with no 429 reaching the caller, by waiting before it sends', async () => {
    const client = createTollgateClient({ url: tollgate.url, apiKey: await tollgate.createKey() });
    const startedAt = Date.now();
    const results = await Promise.all(
      Array.from({ length: QUERIES }, () =>
        client.request<{ books: Array<{ title: string }> }>(QUERY, { variables: { first: 2 } }),
      ),
    );
    const elapsedMs = Date.now() - startedAt;

    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    for (const result of results) {
      expect(result.data?.books).toHaveLength(2);
      expect(result.cost?.requestedQueryCost).toBe(COST);
    }
    // It paced: it waited before sending, the server never had to refuse it, and it went no
    // faster than the bucket allows (all it spent beyond the full bucket had to be restored).
    expect(client.stats.throttled).toBe(0);
    expect(client.stats.pacedMs).toBeGreaterThan(0);
    expect(client.stats.sent).toBe(QUERIES);
    expect(client.stats.lowestAvailable).toBeLessThan(2 * COST);
    const restoreMs = ((QUERIES * COST - CAPACITY) / REFILL_PER_SEC) * 1000;
    expect(elapsedMs).toBeGreaterThanOrEqual(restoreMs * 0.9);
  });

  it('without pacing, absorbs the 429s itself: it waits as the answer says and retries', async () => {
    const client = createTollgateClient({
      url: tollgate.url,
      apiKey: await tollgate.createKey(),
      pace: false,
      jitterMs: 20,
      // Every refused request retries at about the same time: without pacing, it takes several rounds.
      maxRetries: 50,
    });
    // 20 × 10 points at once cannot fit a 20-point bucket: the server refuses, the caller never sees it.
    const results = await Promise.all(
      Array.from({ length: 20 }, () => client.request(QUERY, { variables: { first: 10 } })),
    );
    expect(results.filter((result) => result.status !== 200)).toEqual([]);
    expect(client.stats.throttled).toBeGreaterThan(0);
    expect(client.stats.retryWaitMs).toBeGreaterThan(0);
    expect(results.some((result) => result.attempts > 1)).toBe(true);
  });

  it('hands the caller the last 429 once its retries are spent', async () => {
    const key = await tollgate.createKey();
    const hog = createTollgateClient({ url: tollgate.url, apiKey: key, pace: false, maxRetries: 0 });
    expect((await hog.request(QUERY, { variables: { first: 20 } })).status).toBe(200);
    // The whole bucket again, 200 ms of refill away: refused, and no retry left to wait for it.
    const client = createTollgateClient({ url: tollgate.url, apiKey: key, pace: false, maxRetries: 0 });
    const refused = await client.request(QUERY, { variables: { first: 20 } });
    expect(refused.status).toBe(429);
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused.attempts).toBe(1);
    expect(refused.rateLimit?.policy).toBe('free');
  });
});
