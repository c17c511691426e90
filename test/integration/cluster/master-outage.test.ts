import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSlot } from '../../../src/limiter/cluster-slot.js';
import { bucketKey } from '../../../src/limiter/keys.js';
import { createRedisClient, waitUntilReady } from '../../../src/limiter/redis-connection.js';
import type { ResilientStore } from '../../../src/limiter/resilient-store.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisCluster, startRedisCluster } from '../../support/redis-cluster.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { FAULT_DEADLINE_MS, freshAddress, linesStartingWith, readiness } from '../faults/load.js';

/** The bookstore's `data` field: `@rateLimit(max: 5, window: "60s")`. */
const DATA_MAX = 5;
const KILLED = 0;

interface Client {
  address: string;
  /** `host:port` of the master holding the client's slot. */
  node: string;
  statuses: number[];
  served: number;
}

describe('one master of a three-master Cluster killed under load', () => {
  let cluster: RedisCluster;
  let inspector: Cluster;
  let open: RunningTollgate[];
  let closed: RunningTollgate[];
  let killed: string;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    inspector = createRedisClient({ clusterNodes: cluster.nodes }) as Cluster;
    inspector.on('error', () => {});
    if (!(await waitUntilReady(inspector, 10_000))) throw new Error('the cluster client never became ready');
    const env = (policy: string) => ({
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      TOLLGATE_FAILURE_POLICY: policy,
      TOLLGATE_REDIS_TIMEOUT_MS: String(FAULT_DEADLINE_MS),
    });
    [open, closed] = await Promise.all([
      Promise.all([startTollgate({ env: env('open') }), startTollgate({ env: env('open') })]),
      Promise.all([startTollgate({ env: env('closed') }), startTollgate({ env: env('closed') })]),
    ]);
    const { host, port } = cluster.nodes[KILLED] as { host: string; port: number };
    killed = `${host}:${port}`;
  });
  afterAll(async () => {
    await Promise.all([...open, ...closed].map((server) => server.stop()));
    inspector.disconnect();
    await cluster.stop();
  });

  /** Fresh anonymous clients, `perNode` on each master. */
  function clientsPerNode(perNode: number): Client[] {
    const chosen: Client[] = [];
    const count = new Map<string, number>();
    while (chosen.length < perNode * cluster.nodes.length) {
      const address = freshAddress();
      const node = inspector.slots[clusterSlot(bucketKey(`ip:${address}`))]?.[0];
      if (!node || (count.get(node) ?? 0) >= perNode) continue;
      count.set(node, (count.get(node) ?? 0) + 1);
      chosen.push({ address, node, statuses: [], served: 0 });
    }
    return chosen;
  }

  /** Every client sends `data` to the servers in turn for 3.5 s; master 0 is killed 1 s in. */
  async function load(servers: readonly RunningTollgate[], clients: Client[]): Promise<void> {
    let stop = false;
    const send = async (client: Client) => {
      for (let i = 0; !stop; i++) {
        const server = servers[i % servers.length] as RunningTollgate;
        const answer = await postGraphQL(server.url, '{ data { message } }', {
          localAddress: client.address,
        });
        client.statuses.push(answer.status);
        if (answer.body.data?.data) client.served += 1;
        await sleep(10);
      }
    };
    const script = async () => {
      await sleep(1000);
      await cluster.stopNode(KILLED);
      await sleep(2500);
      stop = true;
    };
    await Promise.all([script(), ...clients.map(send)]);
  }

  it('moves only the dead master’s clients: the others see no 503 (closed) and no fallback (open)', async () => {
    const onClosed = clientsPerNode(4);
    const onOpen = clientsPerNode(4);
    await Promise.all([load(closed, onClosed), load(open, onOpen)]);
    const healthy = (clients: Client[]) => clients.filter((client) => client.node !== killed);
    const dead = (clients: Client[]) => clients.filter((client) => client.node === killed);

    // closed: 503 for the dead master's clients only.
    expect(healthy(onClosed).flatMap((client) => client.statuses.filter((status) => status !== 200))).toEqual(
      [],
    );
    expect(
      dead(onClosed)
        .flatMap((client) => client.statuses)
        .filter((status) => status === 503).length,
    ).toBeGreaterThan(10);
    // open: every answer 200; the healthy masters' clients get exactly the limit across both
    // servers, so Redis decided every call (a per-process fallback would have served more).
    expect(onOpen.flatMap((client) => client.statuses.filter((status) => status !== 200))).toEqual([]);
    expect(healthy(onOpen).map((client) => client.served)).toEqual(Array(8).fill(DATA_MAX));
    for (const server of open) {
      const store = server.store as ResilientStore;
      expect(healthy(onOpen).map((client) => store.stateOf(`ip:${client.address}`))).toEqual(
        Array(8).fill('shared'),
      );
      expect(dead(onOpen).map((client) => store.stateOf(`ip:${client.address}`))).toEqual(
        Array(4).fill('fallback'),
      );
    }
    // One outage line per server, naming the dead master; none for the others. Not ready: some
    // clients are decided without Redis, or refused.
    for (const server of [...open, ...closed]) {
      expect(await readiness(server.url)).toBe(503);
      expect(linesStartingWith(server.logs, 'redis is unavailable').map((line) => line.node)).toEqual([
        killed,
      ]);
      expect(linesStartingWith(server.logs, 'redis is back')).toEqual([]);
    }
  });

  it('logs the master’s return once per server, with counts, once it is back', async () => {
    await cluster.startNode(KILLED);
    const [client] = clientsPerNode(1).filter((each) => each.node === killed);
    const servers = [...open, ...closed];
    const started = performance.now();
    while (servers.some((server) => linesStartingWith(server.logs, 'redis is back').length === 0)) {
      if (performance.now() - started > 15_000) throw new Error('the master was never found back');
      for (const server of servers) {
        await postGraphQL(server.url, '{ data { message } }', { localAddress: client?.address as string });
      }
      await sleep(200);
    }
    for (const server of servers) {
      expect(await readiness(server.url)).toBe(200);
      const back = linesStartingWith(server.logs, 'redis is back');
      expect(back).toHaveLength(1);
      expect(back[0]).toMatchObject({ node: killed, outageMs: expect.any(Number) });
      expect(linesStartingWith(server.logs, 'redis is unavailable')).toHaveLength(1);
    }
    for (const server of open) {
      const [back] = linesStartingWith(server.logs, 'redis is back');
      expect(back?.decidedInProcess).toBeGreaterThan(0);
      expect(back?.chargedBack).toBeGreaterThan(0);
      expect((server.store as ResilientStore).state).toBe('shared');
    }
    for (const server of closed) {
      const [back] = linesStartingWith(server.logs, 'redis is back');
      expect(back?.refused).toBeGreaterThan(0);
    }
  });
});
