import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey } from '../../../src/identity/api-key.js';
import { RedisKeyStore } from '../../../src/identity/redis-key-store.js';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';
import { FAULT_DEADLINE_MS, linesStartingWith } from './load.js';

const MAX_STALENESS_MS = 2000;
const ENV = {
  TOLLGATE_FAILURE_POLICY: 'open',
  TOLLGATE_REDIS_TIMEOUT_MS: String(FAULT_DEADLINE_MS),
  TOLLGATE_KEY_MAX_STALENESS_MS: String(MAX_STALENESS_MS),
};
const QUERY = '{ rateLimit { cost } }';

/** The JSON log lines a server process has written so far. */
function logsOf(server: TollgateProcess): Array<Record<string, unknown>> {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A TCP proxy in front of Redis that can be cut: a network partition of the servers behind it. */
interface Partition {
  url: string;
  /** Drops every connection and refuses new ones. */
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

async function partitionable(redisPort: number): Promise<Partition> {
  const sockets = new Set<Socket>();
  let open = true;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  };
  const server: Server = createServer((client) => {
    track(client);
    if (!open) return void client.destroy();
    const upstream = connect(redisPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    mend() {
      open = true;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('revoking a key while one server process is cut off from Redis', () => {
  let redisServer: RedisServer;
  let partition: Partition;
  let cutOff: TollgateProcess;
  let connected: TollgateProcess;
  beforeAll(async () => {
    redisServer = await startRedisServer();
    partition = await partitionable(redisServer.port);
    [cutOff, connected] = await Promise.all([
      spawnTollgate({ REDIS_URL: partition.url, ...ENV }),
      spawnTollgate({ REDIS_URL: redisServer.url, ...ENV }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([cutOff.stop(), connected.stop()]);
    await partition.close();
    await redisServer.stop();
  });

  it('the cut-off server stops honouring it within the maximum staleness; the other refuses it within a second', async () => {
    const key = await createKeyInRedis(redisServer.url, 'pro');
    const headers = { 'x-api-key': key };
    const ask = (server: TollgateProcess) =>
      postGraphQL(server.url, QUERY, { headers, localAddress: '127.92.0.1' });
    for (const server of [cutOff, connected]) {
      expect((await ask(server)).headers['ratelimit-policy']).toMatch(/^"pro";/);
    }

    partition.cut();
    const keys = new RedisKeyStore(new Redis(redisServer.url));
    await keys.update(parseApiKey(key)?.id ?? '', { revokedAt: new Date().toISOString() });
    await keys.close();
    const revokedAt = performance.now();

    const cutOffAnswers: Array<{ atMs: number; status: number; policy: string }> = [];
    let connectedRefusedAtMs = Number.POSITIVE_INFINITY;
    while (performance.now() - revokedAt < MAX_STALENESS_MS + 1500) {
      const [far, near] = await Promise.all([ask(cutOff), ask(connected)]);
      const atMs = performance.now() - revokedAt;
      cutOffAnswers.push({ atMs, status: far.status, policy: String(far.headers['ratelimit-policy']) });
      if (near.status === 401) connectedRefusedAtMs = Math.min(connectedRefusedAtMs, atMs);
      await sleep(50);
    }

    expect(connectedRefusedAtMs).toBeLessThanOrEqual(1000);
    // Cut off, the server never refuses the request (it cannot tell), but stops serving the key's
    // tier once its record is older than the maximum staleness, and does not go back to it.
    expect(cutOffAnswers.filter((answer) => answer.status !== 200)).toEqual([]);
    const firstAnonymous = cutOffAnswers.findIndex((answer) => answer.policy.startsWith('"anonymous";'));
    expect(firstAnonymous).toBeGreaterThan(-1);
    expect(cutOffAnswers[firstAnonymous]?.atMs).toBeLessThanOrEqual(MAX_STALENESS_MS + 300);
    expect(
      cutOffAnswers.slice(firstAnonymous).every((answer) => answer.policy.startsWith('"anonymous";')),
    ).toBe(true);
    expect(linesStartingWith(logsOf(cutOff), 'API key store is unavailable')).toHaveLength(1);
    expect(linesStartingWith(logsOf(connected), 'API key store is unavailable')).toHaveLength(0);

    // Back in touch, it reads the revocation and refuses the key like the other.
    partition.mend();
    let refused = false;
    for (
      const started = performance.now();
      !refused && performance.now() - started < 5000;
      await sleep(100)
    ) {
      refused = (await ask(cutOff)).status === 401;
    }
    expect(refused).toBe(true);
    expect(linesStartingWith(logsOf(cutOff), 'API key store is back')).toHaveLength(1);
  });
});
