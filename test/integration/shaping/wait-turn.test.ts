import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GraphQLHttpResponse, postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

// test/integration/shaping/shaping-server.ts: `work` costs 1, `heavyWork` 10; each says when it
// started, and logs `ran <tag> <ms>` when it runs.
const SERVER = 'test/integration/shaping/shaping-server.ts';
const ENV = {
  TOLLGATE_TIER_FREE_CAPACITY: '10',
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: '5',
  TOLLGATE_TIER_FREE_MAX_WAIT_MS: '2000',
};
/** Refill pays one point every 200 ms. */
const POINT_MS = 200;
// A timer may fire a millisecond early, and each clock rounds to the millisecond.
const CLOCK_SLACK_MS = 2;

interface Work {
  startedAtMs: number;
}

const BURST = 'query Burst($tag: String!) { work(tag: $tag) { startedAtMs } }';

describe('waiting instead of 429 (maxWaitMs), across two processes', () => {
  let servers: [TollgateProcess, TollgateProcess];
  // Connections opened beforehand: the burst's 21 charges must land within one refill step (200 ms).
  const agent = new Agent({ keepAlive: true });

  beforeAll(async () => {
    const env = { ...ENV, REDIS_URL: inject('redisUrl') };
    servers = (await Promise.all([spawnTollgate(env, SERVER), spawnTollgate(env, SERVER)])) as [
      TollgateProcess,
      TollgateProcess,
    ];
    // Warm both (a pro client, another bucket) on the burst's own connections and document.
    const warm = { headers: { 'x-api-key': await createKeyInRedis(inject('redisUrl'), 'pro') }, agent };
    await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        postGraphQL((servers[i % 2] as TollgateProcess).url, BURST, { ...warm, variables: { tag: 'warm' } }),
      ),
    );
  });
  afterAll(async () => {
    agent.destroy();
    await Promise.all(servers.map((server) => server.stop()));
  });

  const ranLines = (tag: string) =>
    servers.flatMap((server) => server.output().match(new RegExp(`^ran ${tag} \\d+$`, 'gm')) ?? []);

  it('serves a burst of 20 no faster than the bucket refills, and refuses the 21st with 429', async () => {
    const headers = { 'x-api-key': await createKeyInRedis(inject('redisUrl')) };
    const sentAtMs = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        postGraphQL((servers[i % 2] as TollgateProcess).url, BURST, {
          headers,
          agent,
          variables: { tag: 'burst' },
        }),
      ),
    );
    const served = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status !== 200);
    expect(served).toHaveLength(20);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.status).toBe(429);
    expect(refused[0]?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(refused[0]?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(ranLines('burst')).toHaveLength(20);

    // The bucket holds 10 at once and 5 more per second: the (n+1)-th operation starts no earlier
    // than (n+1 − 10) × 200 ms after the first charge, itself after the burst was sent.
    const starts = served
      .map((answer) => (answer.body.data?.work as Work | undefined)?.startedAtMs ?? Number.NaN)
      .sort((a, b) => a - b);
    starts.forEach((startedAtMs, n) => {
      const earliest = sentAtMs + Math.max(0, n + 1 - 10) * POINT_MS;
      expect(startedAtMs, `operation ${n + 1}`).toBeGreaterThanOrEqual(earliest - CLOCK_SLACK_MS);
    });
    // Ten waited their turn, and each was told how long.
    const waited = served.map((answer) => cost(answer).waitedMs ?? 0).filter((ms) => ms > 0);
    expect(waited).toHaveLength(10);
    expect(Math.max(...waited)).toBeLessThanOrEqual(2000);
  });

  it('gives a waiting operation back whole when its client disconnects, and runs none of it', async () => {
    const [one, other] = servers;
    const headers = { 'x-api-key': await createKeyInRedis(inject('redisUrl')) };
    // 10 points: the whole bucket. The next 10 points must wait two seconds for refill.
    expect((await postGraphQL(one.url, '{ heavyWork { startedAtMs } }', { headers })).status).toBe(200);
    const leaving = request(one.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    leaving.on('error', () => {});
    leaving.end(JSON.stringify({ query: '{ heavyWork(tag: "gone") { startedAtMs } }' }));
    await until(async () => (await waitingNow(one.url)) === 1);
    leaving.destroy();
    await until(async () => /"reason":"disconnected"/.test(one.output()));

    // Had the 10 points not come back, the bucket would be 10 in debt and this would need a wait
    // of four seconds: refused. Given back, it waits its own turn and runs.
    const after = await postGraphQL(other.url, '{ heavyWork(tag: "after") { startedAtMs } }', { headers });
    expect(after.status).toBe(200);
    expect(cost(after).waitedMs).toBeGreaterThan(0);
    expect(ranLines('after')).toHaveLength(1);
    // By now the abandoned operation's turn has long passed: it never ran.
    expect(ranLines('gone')).toHaveLength(0);
    const line = one
      .output()
      .split('\n')
      .find((text) => text.includes('"reason":"disconnected"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ event: 'rejected', reason: 'disconnected', cost: 10 });
  });

  it('does not hold an operation that calls a @rateLimit field: it is refused with 429 as without waiting', async () => {
    const headers = { 'x-api-key': await createKeyInRedis(inject('redisUrl')) };
    const [one] = servers;
    // Fifteen points at once: ten from the bucket, five of debt the last five wait a second to repay.
    const burst = Array.from({ length: 15 }, () =>
      postGraphQL(one.url, BURST, { headers, agent, variables: { tag: 'drain' } }),
    );
    await until(async () => (await waitingNow(one.url)) > 0);
    // In debt now: an operation that calls a @rateLimit field would have to wait, so it is refused.
    const limited = await postGraphQL(one.url, '{ limitedWork(tag: "limited") { startedAtMs } }', {
      headers,
      agent,
    });
    expect(limited.status).toBe(429);
    expect(limited.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(ranLines('limited')).toEqual([]);
    // The plain operations of the same client waited their turn and were served.
    const drained = await Promise.all(burst);
    expect(drained.map((answer) => answer.status)).toEqual(Array(15).fill(200));
    expect(drained.filter((answer) => (cost(answer).waitedMs ?? 0) > 0).length).toBeGreaterThan(0);
  });
});

function cost(answer: GraphQLHttpResponse): { waitedMs?: number } {
  return (answer.body.extensions?.cost ?? {}) as { waitedMs?: number };
}

/** Operations the server is holding for their turn now (its `/metrics`). */
async function waitingNow(url: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const line = /^tollgate_operations_waiting\{tier="free"\} (\d+)$/m.exec(text);
  return Number(line?.[1] ?? 0);
}

/** Resolves once `condition` holds, asking every 20 ms; fails after 10 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
