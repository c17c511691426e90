import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

const HOW_TO_GET_REDIS =
  'redis-server and redis-cli were not found on PATH. Install them (Debian/Ubuntu: apt-get install ' +
  'redis-server redis-tools; macOS: brew install redis).';

/** A real Redis Cluster of three masters on 127.0.0.1, started by a test. */
export interface RedisCluster {
  /** The masters, as `REDIS_CLUSTER_NODES` would list them. */
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** `host:port,host:port,host:port`, the value of `REDIS_CLUSTER_NODES`. */
  readonly nodesEnv: string;
  /** Kills master `index` (SIGKILL: its data is gone); the other masters go on serving their slots. */
  stopNode(index: number): Promise<void>;
  /** Starts master `index` again on its port, empty, with its slots (from its nodes.conf). */
  startNode(index: number): Promise<void>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts three `redis-server --cluster-enabled yes` on free ports (persistence off, files in a
 * temporary folder), joins them with `redis-cli --cluster create … --cluster-replicas 0`, and
 * waits until every node reports `cluster_state:ok`. As the README advises for Tollgate,
 * `cluster-require-full-coverage no`: a master that fails takes only its own slots down.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cluster-'));
  const ports = await distinctFreePorts(masters);
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) children.push(await startNode(port, dir));
    await redisCli([
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(ports.map((port) => waitForClusterOk(port)));
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  const portOf = (index: number) => {
    const port = ports[index];
    if (port === undefined) throw new RangeError(`no master ${index}: the cluster has ${ports.length}`);
    return port;
  };
  return {
    nodes,
    nodesEnv: nodes.map(({ host, port }) => `${host}:${port}`).join(','),
    stopNode: async (index) => {
      portOf(index);
      const child = children[index];
      if (child) await kill(child);
    },
    startNode: async (index) => {
      children[index] = await startNode(portOf(index), dir);
      await waitForClusterOk(portOf(index));
    },
    stop,
  };
}

async function startNode(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--cluster-require-full-coverage',
      'no',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(HOW_TO_GET_REDIS) : error),
    );
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code}`)));
  });
  await Promise.race([waitFor(port, (reply) => reply.includes('PONG'), ['ping']), failed]);
  failed.catch(() => {});
  return child;
}

function waitForClusterOk(port: number): Promise<void> {
  return waitFor(port, (reply) => reply.includes('cluster_state:ok'), ['cluster', 'info']);
}

/** Asks one node with redis-cli until its reply satisfies `done` (10 s at most). */
async function waitFor(port: number, done: (reply: string) => boolean, command: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await redisCli(['-p', String(port), ...command]).catch((error: Error) => error.message);
    if (done(last)) return;
    await sleep(50);
  }
  throw new Error(`redis on port ${port} never answered ${command.join(' ')} as expected; last: ${last}`);
}

async function redisCli(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', ...args], { timeout: 10_000 });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(HOW_TO_GET_REDIS);
    throw error;
  }
}

// A cluster node also listens on port + 10000 (the cluster bus): both must be free.
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await isFree(port + 10_000))) ports.add(port);
  }
  return [...ports];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
