import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bucketKey } from '../../../src/limiter/keys.js';
import type { ResilientStore } from '../../../src/limiter/resilient-store.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { freshAddress, linesStartingWith } from './load.js';

/** Blocks this process's event loop (the server runs in it) for `ms`: a long GC pause, a sync task. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

/** 10 points estimated (`first: 10`), 5 actual (only 5 books past offset 495): 5 refunded after each. */
const HALF_REFUNDED = '{ books(first: 10, offset: 495) { id } }';

describe('an event-loop stall longer than a second, Redis healthy', () => {
  let server: RunningTollgate;
  let inspector: Redis;
  beforeAll(async () => {
    server = await startTollgate({
      redisUrl: inject('redisUrl'),
      env: {
        TOLLGATE_FAILURE_POLICY: 'open',
        // The production deadline.
        TOLLGATE_REDIS_TIMEOUT_MS: '100',
        TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '0.001',
      },
    });
    inspector = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await inspector.quit();
    await server.stop();
  });

  it('is not taken for a Redis failure: charges and refunds all land in Redis, nothing in the fallback', async () => {
    const localAddress = freshAddress();
    const send = () => postGraphQL(server.url, HALF_REFUNDED, { localAddress });
    expect((await send()).status).toBe(200);

    // Charges in flight during a stall of 1.5 s (more than ten deadlines).
    const inFlight = Array.from({ length: 10 }, send);
    await sleep(20);
    stall(1500);
    const answers = await Promise.all(inFlight);
    // Refunds in flight (sent after each answer) during another.
    stall(1500);
    await sleep(300);

    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    expect((server.store as ResilientStore).state).toBe('shared');
    expect(linesStartingWith(server.logs, 'redis is unavailable')).toEqual([]);
    // Every call to Redis answered in time: none failed, none was decided in-process.
    const metrics = await server.registry.getSingleMetricAsString('tollgate_redis_call_duration_seconds');
    expect(metrics).not.toMatch(/_count\{[^}]*result="error"[^}]*\} [1-9]/);
    // 11 operations of 10 points, 5 refunded each: 55 of 500 points spent, refill aside.
    const tokens = Number(await inspector.hget(bucketKey(`ip:${localAddress}`), 'u'));
    expect(tokens).toBeGreaterThanOrEqual(445_000_000);
    expect(tokens).toBeLessThan(445_000_000 + 10_000);
  });
});
