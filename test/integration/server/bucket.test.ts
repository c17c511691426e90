import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL, postRaw } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// Keys are the `free` tier: a bucket of 100 points restored at 10 per second.
const SMALL_BUCKET = { TOLLGATE_TIER_FREE_CAPACITY: '100', TOLLGATE_TIER_FREE_REFILL_PER_SEC: '10' };
const COSTS_60 = '{ books(first: 60) { title } }';

describe.each(['redis', 'memory'] as const)('the token bucket on the %s store', (storeKind) => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      env: SMALL_BUCKET,
      ...(storeKind === 'redis' ? { redisUrl: inject('redisUrl') } : {}),
    });
  });
  afterAll(() => tollgate.stop());

  it('serves a cost-60 operation, refuses the next with 429 and Retry-After (2 s from 40 left), serves it then', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const first = await postGraphQL(tollgate.url, COSTS_60, { headers });
    expect(first.status).toBe(200);
    expect(first.body.extensions?.cost).toMatchObject({ requestedQueryCost: 60, actualQueryCost: 60 });

    const second = await postGraphQL(tollgate.url, COSTS_60, { headers });
    expect(second.status).toBe(429);
    expect(second.body.data).toBeUndefined();
    // 40 left, plus a point per 100 ms that passed between the two requests (a loaded machine may
    // take longer than that): Retry-After is the whole seconds until 60 are there again.
    const available = second.body.errors?.[0]?.extensions?.available as number;
    expect(available).toBeGreaterThanOrEqual(40);
    expect(available).toBeLessThan(60);
    const retryAfter = Math.ceil((60 - available) / 10);
    expect(second.headers['retry-after']).toBe(String(retryAfter));
    expect(second.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', cost: 60, retryAfter });

    await sleep(retryAfter * 1000);
    const third = await postGraphQL(tollgate.url, COSTS_60, { headers });
    expect(third.status).toBe(200);
    expect(third.body.data?.books).toHaveLength(60);
  });

  it('tells the client where it stands: extensions.cost.throttleStatus and RateLimit headers', async () => {
    const answer = await postGraphQL(tollgate.url, COSTS_60, {
      headers: { 'x-api-key': await tollgate.createKey() },
    });
    expect(answer.body.extensions?.cost).toEqual({
      requestedQueryCost: 60,
      actualQueryCost: 60,
      throttleStatus: { maximumAvailable: 100, currentlyAvailable: 40, restoreRate: 10 },
    });
    expect(answer.headers['ratelimit-policy']).toBe('"free";q=100;w=10;tollgate-qu="points"');
    expect(answer.headers.ratelimit).toBe('"free";r=40;t=6');
  });

  it('refunds the difference: estimated 50, returned 5 items, charged 5', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const answer = await postGraphQL(tollgate.url, '{ books(first: 50, offset: 495) { title } }', {
      headers,
    });
    expect(answer.body.data?.books).toHaveLength(5);
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: 50, actualQueryCost: 5 });
    expect(answer.body.extensions?.cost).toMatchObject({ throttleStatus: { currentlyAvailable: 95 } });
    // The refund lands after the response; the bucket then holds 95 (and whatever refilled).
    await sleep(50);
    const status = await postGraphQL(tollgate.url, '{ rateLimit(dryRun: true) { remaining } }', { headers });
    expect(status.body.data?.rateLimit).toEqual({ remaining: expect.any(Number) });
    const remaining = (status.body.data?.rateLimit as { remaining: number } | undefined)?.remaining ?? -1;
    expect(remaining).toBeGreaterThanOrEqual(95);
    expect(remaining).toBeLessThan(100);
  });

  it('charges the whole estimate when an error nulls the result: a null buys no refund', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    // offset -1 makes the non-null books field fail, and with it the whole data.
    const query = '{ big: books(first: 50) { id } x: books(first: 1, offset: -1) { id } }';
    const answer = await postGraphQL(tollgate.url, query, { headers });
    expect(answer.body.data).toBeNull();
    expect(answer.body.extensions?.cost).toMatchObject({
      requestedQueryCost: 51,
      actualQueryCost: 51,
      throttleStatus: { currentlyAvailable: 49 },
    });
  });

  it('dry run through a variable left to its default', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const query =
      'query ($d: Boolean = true) { rateLimit(dryRun: $d) { cost remaining } books(first: 5) { id } }';
    const answer = await postGraphQL(tollgate.url, query, { headers });
    expect(answer.body.data).toEqual({ rateLimit: { cost: 5, remaining: 100 } });
  });

  it('dry run: prices and reports the whole operation, runs and charges nothing', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const query =
      '{ rateLimit(dryRun: true) { cost limit remaining used resetAt } books(first: 30) { title } }';
    const answer = await postGraphQL(tollgate.url, query, { headers });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({
      rateLimit: { cost: 30, limit: 100, remaining: 100, used: 0, resetAt: expect.any(String) },
    });
    const again = await postGraphQL(tollgate.url, query, { headers });
    expect(again.body.data?.rateLimit).toMatchObject({ remaining: 100 });
  });

  it('rateLimit without dryRun reports this operation, and is free itself', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const answer = await postGraphQL(
      tollgate.url,
      '{ rateLimit { cost remaining used } books(first: 7) { id } }',
      {
        headers,
      },
    );
    expect(answer.body.data?.rateLimit).toEqual({ cost: 7, remaining: 93, used: 7 });
    const alone = await postGraphQL(tollgate.url, '{ rateLimit { cost } }', { headers });
    expect(alone.body.data?.rateLimit).toEqual({ cost: 0 });
  });

  it('answers 400 COST_ESTIMATED_TOO_EXPENSIVE for what no bucket could ever hold, and runs nothing', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const answer = await postGraphQL(tollgate.url, '{ books(first: 101) { title } }', { headers });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'COST_ESTIMATED_TOO_EXPENSIVE',
      'cost.estimated': 101,
      'cost.max': 100,
    });
    const status = await postGraphQL(tollgate.url, '{ rateLimit(dryRun: true) { remaining } }', { headers });
    expect(status.body.data?.rateLimit).toEqual({ remaining: 100 });
  });

  it('prices and charges each operation of a batch: one throttled does not take the others down', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const batch = JSON.stringify([
      { query: COSTS_60 },
      { query: COSTS_60 },
      { query: '{ data { message } }' },
    ]);
    const answer = await postRaw(tollgate.url, batch, { headers });
    // One HTTP status for the whole batch: a 429 would have the client retry what was served.
    expect(answer.status).toBe(200);
    expect(answer.headers['retry-after']).toBeUndefined();
    const results = answer.body as unknown as Array<GraphQLBody>;
    expect(results).toHaveLength(3);
    expect(results[0]?.data?.books).toHaveLength(60);
    expect(results[1]?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(results[2]?.data).toEqual({ data: { message: 'Hello from Tollgate!' } });
  });
});

type GraphQLBody = {
  data?: Record<string, unknown>;
  errors?: Array<{ extensions?: Record<string, unknown> }>;
};
