import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey } from '../../../src/identity/api-key.js';
import { bucketKey } from '../../../src/limiter/keys.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const scriptText = (name: string) =>
  readFileSync(new URL(`../../../src/limiter/scripts/${name}`, import.meta.url), 'utf8');
// The store sends each script with the shared window functions in front (redis-store.ts).
const scriptSha = (name: string) =>
  createHash('sha1')
    .update(`${scriptText('window.lua')}\n${scriptText(name)}`)
    .digest('hex');
const CHARGE_SHA = scriptSha('charge.lua');
const REFUND_SHA = scriptSha('refund.lua');

/** One command a client sent, as MONITOR reports it: what it was and when Redis received it. */
interface Sent {
  command: string;
  /** The first key, for scripts: whose bucket it touched. */
  key: string | undefined;
  atMs: number;
}

/** Watches what clients send to Redis with MONITOR; commands that scripts run are told apart. */
async function monitor(url: string) {
  const client = new Redis(url);
  const sent: Sent[] = [];
  const feed = await client.monitor();
  feed.on('monitor', (time: string, args: string[], source: string) => {
    // Commands a script runs come from "lua"; a client's own commands from its address.
    if (source === 'lua') return;
    const [name = '', sha = ''] = args;
    const command =
      name.toLowerCase() !== 'evalsha'
        ? name.toLowerCase()
        : sha === CHARGE_SHA
          ? 'charge'
          : sha === REFUND_SHA
            ? 'refund'
            : 'evalsha?';
    sent.push({ command, key: args[3], atMs: Number(time) * 1000 });
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
    const headers = { 'x-api-key': await tollgate.createKey() };
    // A key is read once, then served from a short cache: warm it with a free operation.
    await postGraphQL(tollgate.url, '{ rateLimit { cost } }', { headers });
    const watch = await monitor(redisServer.url);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const answer = await postGraphQL(tollgate.url, query, { headers });
      const answeredAt = Date.now();
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      // MONITOR reports asynchronously: let it catch up before counting.
      await new Promise((resolve) => setTimeout(resolve, 150));
      // This client's traffic. Background refreshes (its key record, its address's failure count) run
      // off the request path, at most once a second, and touch other keys.
      const bucket = bucketKey(`key:${parseApiKey(headers['x-api-key'])?.id}`);
      const commands = watch.sent.filter((entry) => entry.key === bucket).map((entry) => entry.command);
      // The one charge (bucket and every planned window) came before the answer; at most a refund follows.
      expect(commands.filter((command) => command === 'charge')).toHaveLength(1);
      expect(
        watch.sent.find((entry) => entry.key === bucket && entry.command === 'charge')?.atMs,
      ).toBeLessThanOrEqual(answeredAt);
      expect(commands.filter((command) => command !== 'charge' && command !== 'refund')).toEqual([]);
      expect(commands.filter((command) => command === 'refund').length).toBeLessThanOrEqual(1);
    } finally {
      watch.stop();
    }
  });
});
