import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';
import { FAULT_DEADLINE_MS, freshAddress, linesStartingWith } from './load.js';

const ENV = {
  TOLLGATE_FAILURE_POLICY: 'open',
  TOLLGATE_REDIS_TIMEOUT_MS: String(FAULT_DEADLINE_MS),
  // Longer than a run: keys read before the outage keep their tier throughout it.
  TOLLGATE_KEY_MAX_STALENESS_MS: '30000',
};
// One point: no client of the load empties its bucket, so anything but 200 is the outage's doing.
const QUERY = '{ rateLimit { cost } }';

type Kind = 'seen' | 'unseen' | 'anonymous';
interface Answer {
  kind: Kind;
  status: number;
  code: unknown;
  policy: string;
}

/**
 * Keeps one client per key and `anonymous` clients sending, each from an address of its own, to
 * the servers in turn, for `durationMs`; `unseen` keys start only once `fault` has run.
 */
async function load(options: {
  servers: readonly TollgateProcess[];
  keys: Record<'seen' | 'unseen', readonly string[]>;
  anonymous: number;
  durationMs: number;
  fault: () => Promise<void> | void;
}): Promise<Answer[]> {
  const answers: Answer[] = [];
  const started = performance.now();
  let faulted = false;
  const client = async (kind: Kind, key?: string) => {
    const localAddress = freshAddress();
    const headers: Record<string, string> = key ? { 'x-api-key': key } : {};
    for (let i = 0; performance.now() - started < options.durationMs; i++) {
      if (kind === 'unseen' && !faulted) {
        await sleep(20);
        continue;
      }
      const server = options.servers[i % options.servers.length] as TollgateProcess;
      const answer = await postGraphQL(server.url, QUERY, { headers, localAddress });
      answers.push({
        kind,
        status: answer.status,
        code: answer.body.errors?.[0]?.extensions?.code,
        policy: String(answer.headers['ratelimit-policy']),
      });
      await sleep(10);
    }
  };
  const fault = async () => {
    await sleep(500);
    await options.fault();
    faulted = true;
  };
  await Promise.all([
    fault(),
    ...options.keys.seen.map((key) => client('seen', key)),
    ...options.keys.unseen.map((key) => client('unseen', key)),
    ...Array.from({ length: options.anonymous }, () => client('anonymous')),
  ]);
  return answers;
}

/** The JSON log lines a server process has written so far. */
function logsOf(server: TollgateProcess): Array<Record<string, unknown>> {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The tier a `RateLimit-Policy` header names. */
const tierIn = (policy: unknown) => /^"([a-z]+)";/.exec(String(policy))?.[1];

describe('keyed clients through a Redis outage, failure policy open, two server processes', () => {
  let redis: RedisServer;
  let servers: TollgateProcess[];
  beforeAll(async () => {
    redis = await startRedisServer();
    servers = await Promise.all([
      spawnTollgate({ REDIS_URL: redis.url, ...ENV }),
      spawnTollgate({ REDIS_URL: redis.url, ...ENV }),
    ]);
  });
  afterAll(async () => {
    redis.resume();
    await Promise.all(servers.map((server) => server.stop()));
    await redis.stop();
  });

  /** Keys of the pro tier: `seen` ones used on every server now, `unseen` ones never presented. */
  async function keys(): Promise<Record<'seen' | 'unseen', string[]>> {
    const create = () => Promise.all(Array.from({ length: 4 }, () => createKeyInRedis(redis.url, 'pro')));
    const [seen, unseen] = await Promise.all([create(), create()]);
    for (const key of seen) {
      for (const server of servers) {
        const answer = await postGraphQL(server.url, QUERY, { headers: { 'x-api-key': key } });
        expect(tierIn(answer.headers['ratelimit-policy'])).toBe('pro');
      }
    }
    return { seen, unseen };
  }

  function expectAllServed(answers: Answer[]): void {
    expect(
      answers
        .filter((answer) => answer.status !== 200)
        .map(({ kind, status, code }) => ({ kind, status, code })),
    ).toEqual([]);
    expect(answers.filter((answer) => answer.kind === 'unseen').length).toBeGreaterThan(20);
    // Keys read before the outage keep their tier; keys never seen cannot be verified and are
    // served as the anonymous clients of their addresses, never in a tier they cannot prove.
    expect(
      new Set(answers.filter((answer) => answer.kind === 'seen').map((answer) => tierIn(answer.policy))),
    ).toEqual(new Set(['pro']));
    expect(
      new Set(answers.filter((answer) => answer.kind === 'unseen').map((answer) => tierIn(answer.policy))),
    ).toEqual(new Set(['anonymous']));
  }

  it('Redis frozen (SIGSTOP): every answer is 200, keys never seen before included; keys are verified again after', async () => {
    const clients = await keys();
    const answers = await load({
      servers,
      keys: clients,
      anonymous: 4,
      durationMs: 3000,
      fault: () => redis.pause(),
    });
    expectAllServed(answers);

    redis.resume();
    // Back: a key never seen before is verified and served in its tier again, on every server.
    for (const [i, key] of clients.unseen.entries()) {
      const server = servers[i % servers.length] as TollgateProcess;
      let tier: string | undefined;
      for (
        const started = performance.now();
        tier !== 'pro' && performance.now() - started < 10_000;
        await sleep(100)
      ) {
        const answer = await postGraphQL(server.url, QUERY, { headers: { 'x-api-key': key } });
        tier = tierIn(answer.headers['ratelimit-policy']);
      }
      expect(tier).toBe('pro');
    }
    for (const server of servers) {
      expect(linesStartingWith(logsOf(server), 'API key store is unavailable')).toHaveLength(1);
      // The line may reach the pipe after the answer that followed it: wait for it, never retry.
      await expect.poll(() => linesStartingWith(logsOf(server), 'API key store is back').length).toBe(1);
      const back = linesStartingWith(logsOf(server), 'API key store is back');
      expect(back).toHaveLength(1);
      expect(back[0]).toMatchObject({
        servedUnverified: expect.any(Number),
        failedReads: expect.any(Number),
      });
      expect(back[0]?.servedUnverified).toBeGreaterThan(0);
      expect(linesStartingWith(logsOf(server), 'API key lookup failed')).toHaveLength(0);
    }
  });

  it('Redis killed (SIGKILL): every answer is 200, keys never seen before included', async () => {
    const clients = await keys();
    const answers = await load({
      servers,
      keys: clients,
      anonymous: 4,
      durationMs: 3000,
      fault: () => redis.stop(),
    });
    expectAllServed(answers);
    // Restarted (empty: the keys died with it), each server's next key lookup finds it back.
    await redis.start();
    for (const server of servers) {
      const [key] = clients.unseen;
      const ask = () => postGraphQL(server.url, QUERY, { headers: { 'x-api-key': key as string } });
      for (const started = performance.now(); performance.now() - started < 10_000; await sleep(100)) {
        if ((await ask()).status === 401) break;
      }
      // One line when this outage started and one when it ended, after those of the last.
      expect(linesStartingWith(logsOf(server), 'API key store is unavailable')).toHaveLength(2);
      await expect.poll(() => linesStartingWith(logsOf(server), 'API key store is back').length).toBe(2);
    }
  });
});
