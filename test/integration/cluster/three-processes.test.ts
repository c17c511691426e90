import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';
import { freshAddress } from '../faults/load.js';

const CAPACITY = 200;
const REFILL_PER_SEC = 10;

describe('three server processes on one Redis under concurrent load', () => {
  let servers: TollgateProcess[];
  beforeAll(async () => {
    const env = {
      REDIS_URL: inject('redisUrl'),
      TOLLGATE_TIER_ANONYMOUS_CAPACITY: String(CAPACITY),
      TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: String(REFILL_PER_SEC),
    };
    servers = await Promise.all([spawnTollgate(env), spawnTollgate(env), spawnTollgate(env)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('admits no more cost than capacity plus what refilled while they ran', async () => {
    // One client (one source address) spread over the three processes.
    const localAddress = freshAddress();
    const costs = Array.from({ length: 450 }, (_, i) => [1, 3, 5, 10, 20][i % 5] as number);
    const started = Date.now();
    const answers = await Promise.all(
      costs.map((cost, i) =>
        postGraphQL((servers[i % 3] as TollgateProcess).url, `{ books(first: ${cost}) { id } }`, {
          localAddress,
        }),
      ),
    );
    const elapsedSec = (Date.now() - started) / 1000;
    const admitted = answers.reduce(
      (sum, answer, i) => sum + (answer.status === 200 ? (costs[i] as number) : 0),
      0,
    );
    const odd = answers.filter((answer) => answer.status !== 200 && answer.status !== 429);
    expect(odd.map((answer) => [answer.status, answer.body.errors?.[0]?.message])).toEqual([]);
    expect(admitted).toBeLessThanOrEqual(CAPACITY + Math.ceil(REFILL_PER_SEC * elapsedSec));
    // Every process took part, and the bucket was used up to its last operations (no starvation).
    for (let s = 0; s < 3; s++) {
      expect(answers.some((answer, i) => i % 3 === s && answer.status === 200)).toBe(true);
    }
    expect(admitted).toBeGreaterThanOrEqual(CAPACITY - 20);
    // Exact because every decision was Redis's: no process fell back to its own limits.
    for (const server of servers) expect(server.output()).not.toContain('redis is unavailable');
  });
});
