import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

const CAPACITY = 200;
const REFILL_PER_SEC = 10;

describe('two server processes on one Redis under concurrent load', () => {
  let servers: TollgateProcess[];
  beforeAll(async () => {
    const env = {
      REDIS_URL: inject('redisUrl'),
      TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
      TOLLGATE_TIER_FREE_REFILL_PER_SEC: String(REFILL_PER_SEC),
    };
    servers = await Promise.all([spawnTollgate(env), spawnTollgate(env)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('admits no more cost than capacity plus what refilled while they ran', async () => {
    const headers = { 'x-api-key': await createKeyInRedis(inject('redisUrl')) };
    const costs = Array.from({ length: 300 }, (_, i) => [1, 3, 5, 10, 20][i % 5] as number);
    const started = Date.now();
    const answers = await Promise.all(
      costs.map((cost, i) =>
        postGraphQL((servers[i % 2] as TollgateProcess).url, `{ books(first: ${cost}) { id } }`, { headers }),
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
    // And it does not starve the client either: the bucket is used up to its last operation.
    expect(admitted).toBeGreaterThanOrEqual(CAPACITY - 20);
  });
});
