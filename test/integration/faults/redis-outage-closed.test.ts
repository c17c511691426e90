import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResilientStore } from '../../../src/limiter/resilient-store.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import {
  ANSWERED_WITHIN_MS,
  FAULT_DEADLINE_MS,
  freshAddress,
  linesStartingWith,
  readiness,
  runLoad,
} from './load.js';

describe('Redis stopped under load, failure policy closed', () => {
  let redis: RedisServer;
  let server: RunningTollgate;
  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startTollgate({
      redisUrl: redis.url,
      env: { TOLLGATE_FAILURE_POLICY: 'closed', TOLLGATE_REDIS_TIMEOUT_MS: String(FAULT_DEADLINE_MS) },
    });
  });
  afterAll(async () => {
    await server.stop();
    await redis.stop();
  });

  it('answers every request after the stop with 503 RATE_LIMITER_UNAVAILABLE and Retry-After, none hanging', async () => {
    const { answers, actionAtMs } = await runLoad({
      urls: [server.url],
      workers: 8,
      query: '{ books(first: 2) { id } }',
      durationMs: 1800,
      during: { atMs: 400, action: () => redis.stop() },
    });
    const before = answers.filter((answer) => answer.sentAtMs + answer.durationMs < actionAtMs - 50);
    const after = answers.filter((answer) => answer.sentAtMs > actionAtMs);
    expect(before.length).toBeGreaterThan(10);
    expect(before.every((answer) => answer.status === 200)).toBe(true);
    expect(after.length).toBeGreaterThan(50);
    expect(after.filter((answer) => answer.status !== 503)).toEqual([]);
    expect(after.every((answer) => answer.code === 'RATE_LIMITER_UNAVAILABLE')).toBe(true);
    expect(after.every((answer) => /^[1-9]\d*$/.test(answer.retryAfter ?? ''))).toBe(true);
    expect(Math.max(...answers.map((answer) => answer.durationMs))).toBeLessThan(ANSWERED_WITHIN_MS);
    expect((server.store as ResilientStore).state).toBe('unavailable');
    expect(await readiness(server.url)).toBe(503);
    expect(linesStartingWith(server.logs, 'redis is unavailable')).toHaveLength(1);
  });

  it('serves again within seconds of Redis restarting, without a restart', async () => {
    await redis.start();
    const restarted = performance.now();
    let status = 0;
    while (performance.now() - restarted < 10_000) {
      status = (await postGraphQL(server.url, '{ data { message } }', { localAddress: freshAddress() }))
        .status;
      if (status === 200) break;
      await sleep(100);
    }
    expect(status).toBe(200);
    expect((server.store as ResilientStore).state).toBe('shared');
    expect(await readiness(server.url)).toBe(200);
    expect(linesStartingWith(server.logs, 'redis is unavailable')).toHaveLength(1);
    expect(linesStartingWith(server.logs, 'redis is back')).toHaveLength(1);
  });
});
