import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResilientStore } from '../../../src/limiter/resilient-store.js';
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

const ENV = { TOLLGATE_FAILURE_POLICY: 'open', TOLLGATE_REDIS_TIMEOUT_MS: String(FAULT_DEADLINE_MS) };

/** Sends 3 `data` calls to each server as one fresh client: 5 served when they share limits, 6 when not. */
async function servedAcross(servers: readonly RunningTollgate[]): Promise<number> {
  const localAddress = freshAddress();
  let served = 0;
  for (const server of servers) {
    for (let i = 0; i < 3; i++) {
      const answer = await postGraphQL(server.url, '{ data { message } }', { localAddress });
      if (answer.body.data?.data) served += 1;
    }
  }
  return served;
}

const stateOf = (server: RunningTollgate) => (server.store as ResilientStore).state;

describe('Redis stopped under load, failure policy open', () => {
  let redis: RedisServer;
  let servers: RunningTollgate[];
  beforeAll(async () => {
    redis = await startRedisServer();
    servers = await Promise.all([
      startTollgate({ redisUrl: redis.url, env: ENV }),
      startTollgate({ redisUrl: redis.url, env: ENV }),
    ]);
    expect(servers.every((server) => server.store instanceof ResilientStore)).toBe(true);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  });

  it('shares limits between the two servers while Redis is up', async () => {
    expect(await servedAcross(servers)).toBe(5);
    expect(await readiness((servers[0] as RunningTollgate).url)).toBe(200);
  });

  it('answers every request (200 or 429, never 5xx, none hanging) while Redis dies mid-load', async () => {
    const { answers, actionAtMs } = await runLoad({
      urls: servers.map((server) => server.url),
      workers: 16,
      query: '{ books(first: 2) { id title } }',
      durationMs: 2000,
      during: { atMs: 400, action: () => redis.stop() },
    });
    const afterStop = answers.filter((answer) => answer.sentAtMs > actionAtMs);
    expect(afterStop.length).toBeGreaterThan(50);
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 429)).toEqual([]);
    expect(afterStop.filter((answer) => answer.status === 200).length).toBeGreaterThan(50);
    // About never hanging, not speed: without the deadline and the breaker requests would wait
    // on a Redis that is gone (ioredis queues commands and retries by default).
    const slowest = Math.max(...answers.map((answer) => answer.durationMs));
    expect(slowest).toBeLessThan(ANSWERED_WITHIN_MS);
    expect(servers.map(stateOf)).toEqual(['fallback', 'fallback']);
  });

  it('while Redis is down: still limits per process, is not ready, and logged the outage once', async () => {
    const localAddress = freshAddress();
    const server = servers[0] as RunningTollgate;
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(await postGraphQL(server.url, '{ data { message } }', { localAddress }));
    expect(answers.map((answer) => answer.body.data?.data !== null)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(answers[5]?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // The bucket is enforced too: anonymous clients hold 500 points, and a 50-point query 10 times empties it.
    const costly = '{ books(first: 50) { id } }';
    const statuses = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await postGraphQL(server.url, costly, { localAddress })).status);
    expect(statuses.slice(-1)).toEqual([429]);

    expect(await readiness(server.url)).toBe(503);
    for (const each of servers) {
      expect(linesStartingWith(each.logs, 'redis is unavailable')).toHaveLength(1);
      expect(linesStartingWith(each.logs, 'redis is back')).toHaveLength(0);
    }
  });

  it('goes back to shared limits within seconds of Redis restarting, without a restart', async () => {
    await redis.start();
    const restarted = performance.now();
    let served = 0;
    while (performance.now() - restarted < 10_000) {
      served = await servedAcross(servers);
      if (served === 5) break;
      await sleep(100);
    }
    // 5 of 6 can only be refused by a store that saw all six calls: both servers use Redis again.
    expect(served).toBe(5);
    expect(servers.map(stateOf)).toEqual(['shared', 'shared']);
    expect(await readiness((servers[1] as RunningTollgate).url)).toBe(200);
    for (const each of servers) {
      expect(linesStartingWith(each.logs, 'redis is unavailable')).toHaveLength(1);
      expect(linesStartingWith(each.logs, 'redis is back')).toHaveLength(1);
    }
  });
});
