import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { windowKey } from '../../../src/limiter/keys.js';
import { RedisStore } from '../../../src/limiter/redis-store.js';

const redis = new Redis(inject('redisUrl'));
const store = new RedisStore(redis);
afterAll(() => store.close());

const take = (client: string, max: number, windowMs: number, count: number) =>
  store.charge({
    client,
    bucket: null,
    costMilli: 0,
    windows: [{ name: 'Query.data', max, windowMs, count }],
  });

describe('RedisStore windows kept by another version or policy', () => {
  it('counts the calls of a window an earlier version kept as a sorted set of call times', async () => {
    const client = `test:${randomUUID()}`;
    const key = windowKey(client, 'Query.data');
    const [seconds, micros] = await redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    // Three live calls and one that left the window, as the sorted-set version wrote them.
    await redis.zadd(key, nowMs - 90_000, 'r0:0', nowMs - 1000, 'r1:0', nowMs - 500, 'r2:0', nowMs, 'r2:1');
    const result = await take(client, 5, 60_000, 5);
    expect(result.windows[0]?.granted).toBe(2);
    expect(await redis.type(key)).toBe('hash');
    expect(await redis.pttl(key)).toBeGreaterThan(59_000);
  });

  it('keeps counting its calls when the policy changes its sub-windows, none leaving earlier', async () => {
    const client = `test:${randomUUID()}`;
    // Exact (1 ms slots) under max 10, then 64 slots of 1 s under max 1000.
    expect((await take(client, 10, 64_000, 10)).windows[0]?.granted).toBe(10);
    const wider = await take(client, 1000, 64_000, 1000);
    expect(wider.windows[0]?.granted).toBe(990);
    expect(wider.windows[0]?.retryAfterMs).toBeGreaterThan(63_000);
    expect(wider.windows[0]?.retryAfterMs).toBeLessThanOrEqual(65_000);
    expect(await redis.hget(windowKey(client, 'Query.data'), 's')).toBe('1000');
  });
});

describe('RedisStore scripts', () => {
  it('loads a script Redis does not have (NOSCRIPT: EVAL after EVALSHA) and charges once', async () => {
    // A Redis that lost its scripts (a restart, SCRIPT FLUSH, a failover), told apart on this
    // connection only: other suites share the server's script cache.
    const own = new Redis(inject('redisUrl'));
    const flushed = new RedisStore(own);
    await own.ping();
    const sent: string[] = [];
    const send = own.sendCommand.bind(own);
    own.sendCommand = (command, stream) => {
      sent.push(command.name);
      if (command.name === 'evalsha' && sent.length === 1) {
        command.reject(new Error('NOSCRIPT No matching script. Please use EVAL.'));
        return command.promise;
      }
      return send(command, stream);
    };
    try {
      const client = `test:${randomUUID()}`;
      const first = await flushed.charge({
        client,
        bucket: null,
        costMilli: 0,
        windows: [{ name: 'Query.data', max: 5, windowMs: 60_000, count: 2 }],
      });
      expect(sent).toEqual(['evalsha', 'eval']);
      expect(first.windows[0]?.granted).toBe(2);
      // Counted once: 3 of 5 left.
      expect((await take(client, 5, 60_000, 5)).windows[0]?.granted).toBe(3);
    } finally {
      await flushed.close();
    }
  });
});
