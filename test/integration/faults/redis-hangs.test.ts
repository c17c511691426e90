import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseApiKey } from '../../../src/identity/api-key.js';
import { bucketKey } from '../../../src/limiter/keys.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { linesStartingWith } from './load.js';

const DEADLINE_MS = 200;

describe('Redis hangs (a frozen process, not a refused connection)', () => {
  let redisServer: RedisServer;
  let tollgate: RunningTollgate;
  let inspector: Redis;
  beforeAll(async () => {
    redisServer = await startRedisServer();
    tollgate = await startTollgate({
      redisUrl: redisServer.url,
      env: {
        TOLLGATE_FAILURE_POLICY: 'open',
        TOLLGATE_REDIS_TIMEOUT_MS: String(DEADLINE_MS),
        TOLLGATE_TIER_FREE_CAPACITY: '100',
        TOLLGATE_TIER_FREE_REFILL_PER_SEC: '0.001',
      },
    });
    inspector = new Redis(redisServer.url);
  });
  afterAll(async () => {
    redisServer.resume();
    await inspector.quit();
    await tollgate.stop();
    await redisServer.stop();
  });

  it('answers within the deadline, and charges each operation exactly once when Redis comes back', async () => {
    const key = await tollgate.createKey();
    const headers = { 'x-api-key': key };
    // Warm the key and the scripts while Redis answers.
    expect((await postGraphQL(tollgate.url, '{ rateLimit { cost } }', { headers })).status).toBe(200);

    redisServer.pause();
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const answer = await postGraphQL(tollgate.url, '{ books(first: 10) { id } }', { headers });
      timings.push(Date.now() - started);
      expect(answer.status).toBe(200);
      expect(answer.body.data?.books).toHaveLength(10);
    }
    // The first calls wait one deadline each; once the breaker opens, none waits at all.
    expect(Math.max(...timings)).toBeLessThan(DEADLINE_MS + 300);

    redisServer.resume();
    // The charges Redis executes late are given back as their replies arrive; once a probe finds
    // Redis back (after the breaker's one-second cooldown), what the fallback admitted is charged.
    await sleep(1100);
    expect((await postGraphQL(tollgate.url, '{ rateLimit { cost } }', { headers })).status).toBe(200);
    await vi.waitFor(() => expect(linesStartingWith(tollgate.logs, 'redis is back')).toHaveLength(1), {
      timeout: 5000,
    });
    const client = `key:${parseApiKey(key)?.id}`;
    const tokens = Number(await inspector.hget(bucketKey(client), 'u'));
    // Exactly the three 10-point operations, once: 70 of 100 points (micro-points), plus a few
    // seconds of refill at 0.001 points a second. Not 100 (lost), not 40 (charged twice).
    expect(tokens).toBeGreaterThanOrEqual(70_000_000);
    expect(tokens).toBeLessThan(70_000_000 + 10_000);
  });
});
