import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSlot } from '../../../src/limiter/cluster-slot.js';
import { bucketKey, clientKeyPattern, windowKey } from '../../../src/limiter/keys.js';
import { createRedisClient, waitUntilReady } from '../../../src/limiter/redis-connection.js';
import { RedisStore } from '../../../src/limiter/redis-store.js';
import { type RedisCluster, startRedisCluster } from '../../support/redis-cluster.js';
import { describeStoreContract } from '../../support/store-contract.js';

let cluster: RedisCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = createRedisClient({ clusterNodes: cluster.nodes }) as Cluster;
  if (!(await waitUntilReady(client, 10_000))) throw new Error('the cluster client never became ready');
});
afterAll(async () => {
  await cluster.stop();
});

/** Each master's keys of one client: the hash tag should put them all on one node. */
async function keysPerNode(client: Cluster, of: string): Promise<number[]> {
  return Promise.all(
    client.nodes('master').map(async (node) => (await node.keys(clientKeyPattern(of))).length),
  );
}

/** The master that holds a key's slot, asked directly (as `MEMORY USAGE` must be). */
function masterOf(client: Cluster, key: string) {
  const address = client.slots[clusterSlot(key)]?.[0];
  const holder = client
    .nodes('master')
    .find((node) => `${node.options.host}:${node.options.port}` === address);
  if (!holder) throw new Error(`no master holds slot ${clusterSlot(key)}`);
  return holder;
}

// Before the contract suite: it closes the shared client when it is done.
describe('RedisStore on a three-master cluster', () => {
  it('is a real cluster: three masters sharing the slots', async () => {
    const info = await client.cluster('INFO');
    expect(info).toContain('cluster_state:ok');
    expect(info).toContain('cluster_size:3');
    expect(client.nodes('master')).toHaveLength(3);
  });

  it('computes the slot of a key as Redis does, and names the master that holds a client’s keys', async () => {
    const keys = [
      '123456789',
      bucketKey('ip:203.0.113.7'),
      bucketKey('key:αβγ'),
      'a{}b',
      'x{y}z{w}',
      '{}',
      'é{}{x}',
    ];
    for (const key of keys) expect(clusterSlot(key)).toBe(await client.cluster('KEYSLOT', key));
    const store = new RedisStore(client);
    const of = `node-of-${Date.now()}`;
    await store.charge({
      client: of,
      bucket: { capacityMilli: 10_000, refillMilliPerSec: 1 },
      costMilli: 1000,
      windows: [],
    });
    const holder = client.nodes('master')[(await keysPerNode(client, of)).indexOf(1)];
    expect(store.nodeOf(of)).toBe(`${holder?.options.host}:${holder?.options.port}`);
  });

  it("keeps one client's bucket and windows on one node, so one script decides", async () => {
    const own = createRedisClient({ clusterNodes: cluster.nodes });
    const store = new RedisStore(own);
    try {
      expect(await waitUntilReady(own, 10_000)).toBe(true);
      const counts = [];
      // Several clients: their keys land on different nodes, each client's on one.
      for (let i = 0; i < 12; i++) {
        const of = `cluster-${i}-${Date.now()}`;
        const result = await store.charge({
          client: of,
          bucket: { capacityMilli: 10_000, refillMilliPerSec: 1 },
          costMilli: 1000,
          windows: [
            { name: 'Query.data', max: 5, windowMs: 60_000, count: 1 },
            { name: 'Mutation.login', max: 5, windowMs: 60_000, count: 1 },
          ],
        });
        expect(result.allowed).toBe(true);
        const perNode = await keysPerNode(client, of);
        expect(perNode.filter((n) => n > 0)).toEqual([3]);
        counts.push(perNode.indexOf(3));
      }
      expect(new Set(counts).size).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  });

  it("gives back every step of a charge that failed half-way: the client's own and other owners' windows", async () => {
    const own = createRedisClient({ clusterNodes: cluster.nodes }) as Cluster;
    const store = new RedisStore(own);
    try {
      expect(await waitUntilReady(own, 10_000)).toBe(true);
      const stamp = Date.now();
      const of = `half-way-${stamp}`;
      const kept = `user:kept-${stamp}`;
      const broken = `user:broken-${stamp}`;
      // Not a window: the step for this owner fails (WRONGTYPE) while the others succeed.
      await own.set(windowKey(broken, 'Mutation.login'), 'not a window');
      const bucket = { capacityMilli: 10_000, refillMilliPerSec: 1 };
      const data = { name: 'Query.data', max: 5, windowMs: 60_000, count: 1 };
      const login = { name: 'Mutation.login', max: 5, windowMs: 60_000, count: 1 };
      const charge = store.charge({
        client: of,
        bucket,
        costMilli: 1000,
        windows: [data, { ...login, owner: kept }, { ...login, owner: broken }],
      });
      await expect(charge).rejects.toThrow();
      // Nothing stays taken, so that the fallback deciding instead counts it once.
      const again = await store.charge({
        client: of,
        bucket,
        costMilli: 0,
        windows: [{ ...data, count: 5 }],
      });
      expect(again.remainingMilli).toBe(10_000);
      expect(again.windows[0]?.granted).toBe(5);
      const other = await store.charge({
        client: kept,
        bucket: null,
        costMilli: 0,
        windows: [{ ...login, count: 5 }],
      });
      expect(other.windows[0]?.granted).toBe(5);
    } finally {
      await store.close();
    }
  });
});

describeStoreContract(
  'redis cluster (three masters)',
  async () => ({
    store: new RedisStore(client),
    footprint: async (of) => (await keysPerNode(client, of)).reduce((sum, n) => sum + n, 0),
    windowState: async (key) => {
      const holder = masterOf(client, key);
      return {
        counters: Math.max(0, (await holder.hlen(key)) - 2),
        bytes: Number(await holder.memory('USAGE', key)),
      };
    },
  }),
  // The suite closes the store, and with it the client; the cluster stops in afterAll above.
);
