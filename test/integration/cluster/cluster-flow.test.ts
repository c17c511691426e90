import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResilientStore } from '../../../src/limiter/resilient-store.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisCluster, startRedisCluster } from '../../support/redis-cluster.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { freshAddress } from '../faults/load.js';

describe('Tollgate on a three-master Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisCluster;
  let servers: RunningTollgate[];
  beforeAll(async () => {
    cluster = await startRedisCluster();
    const env = { REDIS_CLUSTER_NODES: cluster.nodesEnv };
    servers = await Promise.all([startTollgate({ env }), startTollgate({ env })]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await cluster.stop();
  });

  it('keeps its limits in the cluster', () => {
    for (const server of servers) {
      expect(server.store).toBeInstanceOf(ResilientStore);
      expect((server.store as ResilientStore).state).toBe('shared');
    }
  });

  it('serves 5 of 6 `data` calls, then null with RATE_LIMITED', async () => {
    const localAddress = freshAddress();
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await postGraphQL((servers[0] as RunningTollgate).url, '{ data { message } }', { localAddress }),
      );
    }
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.map((answer) => answer.body.data?.data !== null)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(answers[5]?.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 5 });
  });

  it('shares one window between two servers: 5 served across both, not 10', async () => {
    const localAddress = freshAddress();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        postGraphQL((servers[i % 2] as RunningTollgate).url, '{ data { message } }', { localAddress }),
      ),
    );
    expect(answers.filter((answer) => answer.body.data?.data)).toHaveLength(5);
  });

  it('refuses what the bucket cannot hold with 429 and Retry-After, and nothing is taken', async () => {
    const localAddress = freshAddress();
    const costly = '{ books(first: 200) { id } }';
    const statuses = [];
    // Anonymous clients hold 500 points: two 200-point operations fit, the third does not.
    for (let i = 0; i < 3; i++) {
      const answer = await postGraphQL((servers[i % 2] as RunningTollgate).url, costly, { localAddress });
      statuses.push(answer.status);
      if (answer.status === 429) {
        expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', cost: 200 });
        expect(answer.headers['retry-after']).toMatch(/^[1-9]\d*$/);
      }
    }
    expect(statuses).toEqual([200, 200, 429]);
    // The refused operation took nothing: about 100 points are left, enough for a 90-point one.
    const cheaper = await postGraphQL((servers[1] as RunningTollgate).url, '{ books(first: 90) { id } }', {
      localAddress,
    });
    expect(cheaper.status).toBe(200);
  });
});
