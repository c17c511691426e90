import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApiKey } from '../../../src/identity/api-keys.js';
import { RedisKeyStore } from '../../../src/identity/redis-key-store.js';
import { inflightKey } from '../../../src/limiter/keys.js';
import { type GraphQLHttpResponse, postGraphQL } from '../../support/http-client.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

// test/integration/shaping/shaping-server.ts: `work(ms:)` costs 1 point, runs for `ms`, says when it
// started, and logs `ran <tag> <ms>` when it runs.
const SERVER = 'test/integration/shaping/shaping-server.ts';
const LEASE_MS = 3000;
const ENV = {
  TOLLGATE_TIER_FREE_CAPACITY: '1000',
  // Next to nothing refills while the test runs, so the bucket shows exactly what was taken.
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: '0.001',
  TOLLGATE_TIER_FREE_MAX_CONCURRENT: '3',
  TOLLGATE_CONCURRENCY_LEASE_MS: String(LEASE_MS),
};
const work = (ms: number, tag: string, fail = false) =>
  `{ work(ms: ${ms}, tag: "${tag}", fail: ${fail}) { startedAtMs } }`;

describe('per-client concurrency limit (maxConcurrent 3), across two processes', () => {
  let redis: Redis;
  let servers: [TollgateProcess, TollgateProcess];

  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'));
    const env = { ...ENV, REDIS_URL: inject('redisUrl') };
    servers = (await Promise.all([spawnTollgate(env, SERVER), spawnTollgate(env, SERVER)])) as [
      TollgateProcess,
      TollgateProcess,
    ];
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    redis.disconnect();
  });

  /** A new free-tier key, its headers and its client's concurrency slots key. */
  async function newClient(): Promise<{ headers: Record<string, string>; slots: string }> {
    const { key, record } = await createApiKey(new RedisKeyStore(redis), 'test', 'free');
    return { headers: { 'x-api-key': key }, slots: inflightKey(`key:${record.id}`) };
  }

  const ranLines = (tag: string, among = servers as TollgateProcess[]) =>
    among.flatMap((server) => server.output().match(new RegExp(`^ran ${tag} \\d+$`, 'gm')) ?? []);

  it('runs exactly 3 of 10 concurrent 1-second operations; the rest are refused, charged nothing', async () => {
    const { headers, slots } = await newClient();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postGraphQL((servers[i % 2] as TollgateProcess).url, work(1000, 'ten'), { headers }),
      ),
    );
    const served = answers.filter((answer) => answer.status === 200);
    expect(served).toHaveLength(3);
    expect(ranLines('ten')).toHaveLength(3);
    // The three ran at once: each started before any other ended.
    const starts = served.map(
      (answer) => (answer.body.data?.work as { startedAtMs: number } | undefined)?.startedAtMs ?? Number.NaN,
    );
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(1000);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(refused).toHaveLength(7);
    for (const answer of refused) expectConcurrencyRefusal(answer);

    // Released with the refund after each response (long before the leases end): 3 more run.
    await until(async () => (await redis.zcard(slots)) === 0, LEASE_MS / 3);
    const next = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        postGraphQL((servers[i % 2] as TollgateProcess).url, work(0, 'next'), { headers }),
      ),
    );
    expect(next.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // 6 operations of 1 point were charged; the 7 refused took nothing.
    const status = await postGraphQL(servers[0].url, '{ rateLimit(dryRun: true) { remaining } }', {
      headers,
    });
    expect(status.body.data?.rateLimit).toEqual({ remaining: 994 });
  });

  it('releases the slots of operations that fail', async () => {
    const { headers, slots } = await newClient();
    const failed = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        postGraphQL((servers[i % 2] as TollgateProcess).url, work(100, 'fail', true), { headers }),
      ),
    );
    expect(failed.map((answer) => answer.body.errors?.[0]?.message)).toEqual(
      Array(3).fill('failed on purpose'),
    );
    await until(async () => (await redis.zcard(slots)) === 0, LEASE_MS / 3);
  });

  it('frees the slots of a process killed with SIGKILL once their leases end', async () => {
    const { headers, slots } = await newClient();
    const doomed = await spawnTollgate({ ...ENV, REDIS_URL: inject('redisUrl') }, SERVER);
    // Three operations that would run for a minute hold every slot, then their process dies.
    const hanging = Array.from({ length: 3 }, () =>
      postGraphQL(doomed.url, work(60_000, 'doomed'), { headers }).catch((error: Error) => error),
    );
    await until(async () => ranLines('doomed', [doomed]).length === 3, 10_000);
    const exited = new Promise((resolve) => doomed.child.once('exit', resolve));
    doomed.child.kill('SIGKILL');
    await exited;
    const killedAtMs = Date.now();
    expect(await redis.zcard(slots)).toBe(3);
    expectConcurrencyRefusal(await postGraphQL(servers[0].url, work(0, 'after-kill'), { headers }));

    // Nobody releases them: each lease ends by itself, at most LEASE_MS after its charge.
    let answer = await postGraphQL(servers[1].url, work(0, 'after-kill'), { headers });
    while (answer.status !== 200) {
      expectConcurrencyRefusal(answer);
      expect(Date.now() - killedAtMs).toBeLessThan(LEASE_MS + 500);
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await postGraphQL(servers[1].url, work(0, 'after-kill'), { headers });
    }
    expect(Date.now() - killedAtMs).toBeLessThanOrEqual(LEASE_MS + 500);
    expect((await Promise.all(hanging)).every((outcome) => outcome instanceof Error)).toBe(true);
  });
});

function expectConcurrencyRefusal(answer: GraphQLHttpResponse): void {
  expect(answer.status).toBe(429);
  expect(answer.headers['retry-after']).toBe('1');
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.errors?.[0]?.extensions).toMatchObject({
    code: 'RATE_LIMITED',
    reason: 'CONCURRENCY_LIMIT',
    limit: 3,
    retryAfter: 1,
  });
}

/** Resolves once `condition` holds, asking every 20 ms; fails after `withinMs`. */
async function until(condition: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`the condition did not hold within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
