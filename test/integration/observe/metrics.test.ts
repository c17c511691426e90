import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPERATION_OUTCOMES } from '../../../src/observe/events.js';
import { METRIC_NAMES } from '../../../src/observe/metrics.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { type Exposition, parsePrometheusText } from './prometheus-text.js';

const { operations, estimatedCost, actualCost, fieldRejections, redisCallDuration, fallbackActive } =
  METRIC_NAMES;

describe('GET /metrics', () => {
  let tollgate: RunningTollgate;
  /** Every key and address the tests used: none may show up in a scrape. */
  const secrets: string[] = [];
  /** A new free-tier key (a bucket of its own), as the header to send it in. */
  const key = async () => {
    const value = await tollgate.createKey('free');
    secrets.push(value);
    return { 'x-api-key': value };
  };

  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      // A small free-tier bucket: 100 points, 1 back per second, 80 at most per operation.
      env: {
        TOLLGATE_TIER_FREE_CAPACITY: '100',
        TOLLGATE_TIER_FREE_REFILL_PER_SEC: '1',
        TOLLGATE_TIER_FREE_MAX_COST: '80',
      },
    });
  });
  afterAll(() => tollgate.stop());

  async function scrapeText(): Promise<string> {
    const response = await fetch(new URL('/metrics', tollgate.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    return response.text();
  }
  const scrape = async () => parsePrometheusText(await scrapeText());
  /** `after − before` of one series (a missing series counts as 0). */
  const moved = (before: Exposition, after: Exposition, name: string, labels: Record<string, string>) =>
    (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0);

  it('serves Prometheus text declaring every Tollgate metric, its series at 0 before any traffic', async () => {
    const scraped = await scrape();
    expect(Object.fromEntries([...scraped.types].filter(([name]) => name.startsWith('tollgate_')))).toEqual({
      [operations]: 'counter',
      [estimatedCost]: 'histogram',
      [actualCost]: 'histogram',
      [fieldRejections]: 'counter',
      [redisCallDuration]: 'histogram',
      [fallbackActive]: 'gauge',
      [METRIC_NAMES.waitDuration]: 'histogram',
      [METRIC_NAMES.waiting]: 'gauge',
      [METRIC_NAMES.slotsHeld]: 'gauge',
    });
    for (const outcome of OPERATION_OUTCOMES) {
      expect(scraped.value(operations, { outcome, tier: 'pro' }), outcome).toBe(0);
    }
    expect(scraped.value(fieldRejections, { coordinate: 'Query.data', tier: 'anonymous' })).toBe(0);
    expect(scraped.value(fallbackActive)).toBe(0);
    // Node's own process metrics come along, from this server's registry.
    expect(scraped.types.get('process_cpu_user_seconds_total')).toBe('counter');
  });

  it('moves when an operation is served: its outcome, estimated and actual cost, and the Redis charge', async () => {
    const before = await scrape();
    const answer = await postGraphQL(tollgate.url, '{ books(first: 5) { title } }', { headers: await key() });
    expect(answer.status).toBe(200);
    const after = await scrape();
    expect(moved(before, after, operations, { outcome: 'served', tier: 'free' })).toBe(1);
    expect(moved(before, after, `${estimatedCost}_count`, { tier: 'free' })).toBe(1);
    expect(moved(before, after, `${estimatedCost}_sum`, { tier: 'free' })).toBe(5);
    expect(moved(before, after, `${estimatedCost}_bucket`, { tier: 'free', le: '5' })).toBe(1);
    expect(moved(before, after, `${estimatedCost}_bucket`, { tier: 'free', le: '2' })).toBe(0);
    expect(moved(before, after, `${actualCost}_count`, { tier: 'free' })).toBe(1);
    expect(moved(before, after, `${actualCost}_sum`, { tier: 'free' })).toBe(5);
    // At least the operation's charge (the API-key checks may use the store too).
    expect(
      moved(before, after, `${redisCallDuration}_count`, { operation: 'charge', result: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(after.value(`${redisCallDuration}_sum`, { operation: 'charge', result: 'ok' })).toBeGreaterThan(0);
  });

  it('moves when operations are throttled (429) and too expensive (400); only what ran has an actual cost', async () => {
    const headers = await key();
    const before = await scrape();
    const first = await postGraphQL(tollgate.url, '{ books(first: 60) { title } }', { headers });
    const second = await postGraphQL(tollgate.url, '{ books(first: 60) { title } }', { headers });
    const dear = await postGraphQL(tollgate.url, '{ books(first: 90) { title } }', { headers });
    expect([first.status, second.status, dear.status]).toEqual([200, 429, 400]);
    const after = await scrape();
    expect(moved(before, after, operations, { outcome: 'served', tier: 'free' })).toBe(1);
    expect(moved(before, after, operations, { outcome: 'throttled', tier: 'free' })).toBe(1);
    expect(moved(before, after, operations, { outcome: 'too_expensive', tier: 'free' })).toBe(1);
    expect(moved(before, after, `${estimatedCost}_count`, { tier: 'free' })).toBe(3);
    expect(moved(before, after, `${estimatedCost}_sum`, { tier: 'free' })).toBe(60 + 60 + 90);
    expect(moved(before, after, `${actualCost}_count`, { tier: 'free' })).toBe(1);
  });

  it('counts each refused @rateLimit invocation under its field coordinate', async () => {
    const headers = await key();
    const before = await scrape();
    // Query.data allows 5 calls a minute: 4 single calls, then 3 aliases in one operation.
    for (let i = 0; i < 4; i += 1) await postGraphQL(tollgate.url, '{ data { message } }', { headers });
    const last = await postGraphQL(
      tollgate.url,
      '{ a: data { message } b: data { message } c: data { message } }',
      {
        headers,
      },
    );
    expect(last.body.errors?.map((error) => error.extensions?.code)).toEqual([
      'RATE_LIMITED',
      'RATE_LIMITED',
    ]);
    const after = await scrape();
    expect(moved(before, after, fieldRejections, { coordinate: 'Query.data', tier: 'free' })).toBe(2);
    // The operations themselves were served: a refused field is not a refused operation.
    expect(moved(before, after, operations, { outcome: 'served', tier: 'free' })).toBe(5);
  });

  it('counts dry runs, and anonymous clients under their tier', async () => {
    const before = await scrape();
    const dry = await postGraphQL(
      tollgate.url,
      '{ rateLimit(dryRun: true) { cost } books(first: 3) { title } }',
    );
    const served = await postGraphQL(tollgate.url, '{ books(first: 3) { title } }');
    expect([dry.status, served.status]).toEqual([200, 200]);
    const after = await scrape();
    expect(moved(before, after, operations, { outcome: 'dry_run', tier: 'anonymous' })).toBe(1);
    expect(moved(before, after, operations, { outcome: 'served', tier: 'anonymous' })).toBe(1);
  });

  it('never carries a client address or key: only bounded labels on Tollgate series', async () => {
    const text = await scrapeText();
    for (const secret of [...secrets, '127.0.0.1', 'ip:', 'key:']) expect(text).not.toContain(secret);
    const labelNames = new Set(
      parsePrometheusText(text)
        .samples.filter((sample) => sample.name.startsWith('tollgate_'))
        .flatMap((sample) => Object.keys(sample.labels)),
    );
    expect([...labelNames].sort()).toEqual(['coordinate', 'le', 'operation', 'outcome', 'result', 'tier']);
  });
});
