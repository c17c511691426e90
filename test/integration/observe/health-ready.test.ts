import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../src/observe/metrics.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { parsePrometheusText } from './prometheus-text.js';

async function get(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL(path, base));
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Asks until `check` holds (Redis reconnects with a backoff); fails with the last answer after `limitMs`. */
async function eventually<T>(
  ask: () => Promise<T>,
  check: (value: T) => boolean,
  limitMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await ask();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe('GET /health and GET /ready on Redis', () => {
  let redis: RedisServer;
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // A Redis of its own: this test stops it.
    redis = await startRedisServer();
    tollgate = await startTollgate({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await tollgate.stop();
    await redis.stop();
  });

  const scrape = async () =>
    parsePrometheusText(await (await fetch(new URL('/metrics', tollgate.url))).text());
  const fallbackActive = async () => (await scrape()).value(METRIC_NAMES.fallbackActive);
  const anonymous = (scraped: Awaited<ReturnType<typeof scrape>>, outcome: string) =>
    scraped.value(METRIC_NAMES.operations, { outcome, tier: 'anonymous' }) ?? 0;

  it('answers 200 on both while Redis is up', async () => {
    expect(await get(tollgate.url, '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    const ready = await get(tollgate.url, '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', store: { kind: 'redis', ok: true } });
  });

  it('answers 503 on /ready while Redis is down (and /health stays 200), then 200 once it is back', async () => {
    await redis.stop();
    const down = await eventually(
      () => get(tollgate.url, '/ready'),
      (answer) => answer.status === 503,
    );
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', store: { kind: 'redis', ok: false } });
    expect(typeof (down.body.store as { error?: unknown }).error).toBe('string');
    expect((await get(tollgate.url, '/health')).status).toBe(200);

    // Meanwhile the failure policy (open) serves from the fallback, and the metrics say so: once
    // the store has given up on Redis, served operations count as `fallback`.
    const before = await scrape();
    for (let i = 0; i < 5; i += 1) {
      expect((await postGraphQL(tollgate.url, '{ books(first: 1) { id } }')).status).toBe(200);
    }
    const during = await scrape();
    expect(during.value(METRIC_NAMES.fallbackActive)).toBe(1);
    const fallback = anonymous(during, 'fallback') - anonymous(before, 'fallback');
    expect(fallback).toBeGreaterThan(0);
    expect(fallback + anonymous(during, 'served') - anonymous(before, 'served')).toBe(5);

    await redis.start();
    const up = await eventually(
      () => get(tollgate.url, '/ready'),
      (answer) => answer.status === 200,
    );
    expect(up).toMatchObject({ status: 200, body: { status: 'ready' } });
    // The next operations probe Redis and hand back to it.
    const gauge = await eventually(
      async () => {
        await postGraphQL(tollgate.url, '{ books(first: 1) { id } }');
        return fallbackActive();
      },
      (value) => value === 0,
    );
    expect(gauge).toBe(0);
  });
});

describe('GET /ready on the in-memory store', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(() => tollgate.stop());

  it('is always ready: the store is this process', async () => {
    const ready = await get(tollgate.url, '/ready');
    expect(ready).toMatchObject({
      status: 200,
      body: { status: 'ready', store: { kind: 'memory', ok: true } },
    });
  });
});
