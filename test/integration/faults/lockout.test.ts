import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLHttpResponse, postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

const MAX_FAILURES = 10;
// Records are read once and not again during the test: every key lookup Redis counts is a check.
const ENV = {
  TOLLGATE_AUTH_FAILURES_MAX: String(MAX_FAILURES),
  TOLLGATE_AUTH_FAILURES_WINDOW: '15m',
  TOLLGATE_KEY_CACHE_MS: '60000',
  TOLLGATE_KEY_MAX_STALENESS_MS: '120000',
};
const QUERY = '{ rateLimit { cost } }';
const ATTACKER = '127.91.0.7';

/** A well-formed key with a random id no key has: a guess. */
const guess = () =>
  `tg_${randomBytes(10)
    .toString('hex')
    .replace(/[^a-z2-7]/g, 'a')
    .slice(0, 10)}_${'A'.repeat(43)}`;

/**
 * Counts key lookups as Redis receives them: HGETALLs of `tg:key:<id>` that a client sent (the
 * limiter's scripts read their window counters with HGETALL too; MONITOR says those came from Lua).
 */
async function watchLookups(url: string): Promise<{ count(): Promise<number> }> {
  const client = new Redis(url);
  const monitor = await client.monitor();
  let lookups = 0;
  let marked: (() => void) | undefined;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const [command = '', key = ''] = args;
    if (command.toLowerCase() === 'echo' && key === 'lookups-counted') marked?.();
    if (source !== 'lua' && command.toLowerCase() === 'hgetall' && key.startsWith('tg:key:')) lookups += 1;
  });
  return {
    // MONITOR reports commands in the order Redis ran them: once it reports this ECHO, it has
    // reported every lookup before it.
    count: async () => {
      const seen = new Promise<void>((resolve) => {
        marked = resolve;
      });
      const marker = client.duplicate();
      await marker.echo('lookups-counted');
      marker.disconnect();
      await seen;
      monitor.disconnect();
      client.disconnect();
      return lookups;
    },
  };
}

describe('the failed-key lockout on Redis, two server processes', () => {
  let redisServer: RedisServer;
  let servers: [TollgateProcess, TollgateProcess];
  let inspector: Redis;
  beforeAll(async () => {
    redisServer = await startRedisServer();
    const env = { REDIS_URL: redisServer.url, ...ENV };
    servers = (await Promise.all([spawnTollgate(env), spawnTollgate(env)])) as [
      TollgateProcess,
      TollgateProcess,
    ];
    inspector = new Redis(redisServer.url);
  });
  afterAll(async () => {
    await inspector.quit();
    await Promise.all(servers.map((server) => server.stop()));
    await redisServer.stop();
  });

  it('checks at most the limit of 1,000 concurrent bad keys, and a valid key at that address keeps being served', async () => {
    const regular = await createKeyInRedis(redisServer.url, 'pro');
    const newcomer = await createKeyInRedis(redisServer.url, 'pro');
    const ask = (server: TollgateProcess, key: string, localAddress = ATTACKER) =>
      postGraphQL(server.url, QUERY, { headers: { 'x-api-key': key }, localAddress });
    // The valid key in use at the address (a NAT's user) before the attack, on both servers.
    for (const server of servers) expect((await ask(server, regular)).status).toBe(200);

    const watch = await watchLookups(redisServer.url);
    const bad = Array.from({ length: 1000 }, (_, i) => ask(servers[i % 2] as TollgateProcess, guess()));
    // The valid key asks all along, interleaved with the flood.
    const good: Array<Promise<GraphQLHttpResponse>> = [];
    for (let i = 0; i < 20; i++) good.push(ask(servers[i % 2] as TollgateProcess, regular));
    const answers = await Promise.all(bad);
    const regularAnswers = await Promise.all(good);

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(1000 - MAX_FAILURES);
    expect(await watch.count()).toBeLessThanOrEqual(MAX_FAILURES);
    const locked = answers.find((answer) => answer.status === 429);
    expect(locked?.body.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'AUTH_FAILURES',
    });
    expect(Number(locked?.headers['retry-after'])).toBeGreaterThan(800);

    for (const answer of regularAnswers) {
      expect(answer.status).toBe(200);
      expect(answer.headers['ratelimit-policy']).toMatch(/^"pro";/);
    }
    // After the flood too, on both servers; a key new to the address waits like any guess, and is
    // served from anywhere else.
    for (const server of servers) {
      expect((await ask(server, regular)).status).toBe(200);
      expect((await ask(server, newcomer)).status).toBe(429);
      expect((await ask(server, newcomer, '127.91.0.8')).status).toBe(200);
    }
  });
});
