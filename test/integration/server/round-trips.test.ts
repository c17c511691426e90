import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { freshKey } from '../../support/keys.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

/** Watches what clients send to Redis with MONITOR; commands that scripts run are told apart. */
async function monitor(url: string) {
  const client = new Redis(url);
  const sent: string[] = [];
  const feed = await client.monitor();
  feed.on('monitor', (_time: string, args: string[], source: string) => {
    // Commands a script runs come from "lua"; a client's own commands from its address.
    if (source !== 'lua') sent.push((args[0] ?? '').toLowerCase());
  });
  return { sent, stop: () => feed.disconnect() };
}

describe('Redis round trips per operation', () => {
  let redisServer: RedisServer;
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // A Redis of its own, so that MONITOR sees only this test's traffic.
    redisServer = await startRedisServer();
    tollgate = await startTollgate({ redisUrl: redisServer.url });
    // The first call of a script loads it (EVALSHA, NOSCRIPT, EVAL); measure after that.
    await postGraphQL(tollgate.url, '{ data { message } books(first: 3) { title } }');
  });
  afterAll(async () => {
    await tollgate.stop();
    await redisServer.stop();
  });

  it.each([
    ['a priced query', '{ books(first: 3) { title author { name } } }'],
    [
      'a query touching @rateLimit fields through aliases and fragments',
      '{ a: data { message } ...F } fragment F on Query { b: data { message } }',
    ],
    ['a mutation with a @rateLimit field', 'mutation { login(username: "alice", password: "nope") { ok } }'],
  ])('%s: exactly one on the critical path, one refund after', async (_, query) => {
    const watch = await monitor(redisServer.url);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const answer = await postGraphQL(tollgate.url, query, { headers: { 'x-api-key': freshKey() } });
      const beforeResponse = [...watch.sent];
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(beforeResponse).toEqual(['evalsha']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // After the response at most the refund follows, as one more call.
      expect(watch.sent.length).toBeLessThanOrEqual(2);
      expect(watch.sent.every((command) => command === 'evalsha')).toBe(true);
    } finally {
      watch.stop();
    }
  });
});
