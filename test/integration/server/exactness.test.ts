import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';
import { freshAddress } from '../faults/load.js';

const CAPACITY = 200;
const REFILL_PER_SEC = 10;
const TIER = { CAPACITY: String(CAPACITY), REFILL_PER_SEC: String(REFILL_PER_SEC) };

describe.each([
  { processes: 2, client: 'an API key' as const },
  { processes: 3, client: 'an address' as const },
])(
  '$processes server processes on one Redis, one client by $client, under concurrent load',
  ({ processes, client }) => {
    let servers: TollgateProcess[];
    beforeAll(async () => {
      const env: Record<string, string> = { REDIS_URL: inject('redisUrl') };
      for (const tier of ['FREE', 'ANONYMOUS']) {
        env[`TOLLGATE_TIER_${tier}_CAPACITY`] = TIER.CAPACITY;
        env[`TOLLGATE_TIER_${tier}_REFILL_PER_SEC`] = TIER.REFILL_PER_SEC;
      }
      servers = await Promise.all(Array.from({ length: processes }, () => spawnTollgate(env)));
    });
    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
    });

    it('admits no more cost than capacity plus what refilled while they ran', async () => {
      const as =
        client === 'an API key'
          ? { headers: { 'x-api-key': await createKeyInRedis(inject('redisUrl')) } }
          : { localAddress: freshAddress() };
      const costs = Array.from({ length: 150 * processes }, (_, i) => [1, 3, 5, 10, 20][i % 5] as number);
      const started = Date.now();
      const answers = await Promise.all(
        costs.map((cost, i) =>
          postGraphQL(
            (servers[i % processes] as TollgateProcess).url,
            `{ books(first: ${cost}) { id } }`,
            as,
          ),
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
      // And it does not starve the client either: the bucket is used up to its last operations.
      expect(admitted).toBeGreaterThanOrEqual(CAPACITY - 20);
      // Exact because every decision was Redis's: no process fell back to its own limits.
      for (const server of servers) expect(server.output()).not.toContain('is unavailable');
    });
  },
);
