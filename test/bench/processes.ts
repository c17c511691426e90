import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

const NPROC = availableParallelism();

/** Whether `taskset` can pin processes to cores here (Linux with at least two of them). */
export const CAN_PIN = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return NPROC >= 2;
  } catch {
    return false;
  }
})();

/** The core servers run on; the runner, Redis and the load generator keep to the other one. */
export const SERVER_CORE = 0;
/** The core of the load generator (wrk or autocannon), Redis and this runner. */
export const LOAD_CORE = 1;

/** Prefixes a command with `taskset -c <core>` when pinning is possible. */
export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return CAN_PIN ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/** Moves this process and its threads (and so the children it starts from now on) to `core`. */
export function pinSelf(core: number): void {
  if (CAN_PIN)
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)], { stdio: 'ignore' });
}

/** Lets this process run on every core again (while servers start). */
export function unpinSelf(): void {
  if (CAN_PIN) {
    execFileSync('taskset', ['-a', '-p', '-c', `0-${NPROC - 1}`, String(process.pid)], { stdio: 'ignore' });
  }
}

/** The address servers listen on (their `HOST`). */
export const SERVER_HOST = '127.0.0.1';

const live = new Set<ChildProcess>();

/** Kills every server still running (the runner is being interrupted). */
export function killServers(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** A server process under test. */
export interface ServerProcess {
  readonly pid: number;
  /** The GraphQL endpoint. */
  readonly url: string;
  /** Everything it wrote so far. */
  output(): string;
  /** Distinct messages it logged at warning level or above (pino JSON lines) or as bare stderr lines. */
  warnings(): string[];
  stop(): Promise<void>;
}

/** How a server process is started, when not as production starts it. */
export interface Launch {
  /** A command that runs node (`valgrind --tool=callgrind …`); default none: node itself. */
  wrapper?: string[];
  /** Node's own options, before the entry (`--predictable`). Default none. */
  nodeOptions?: string[];
  /** Whether to pin the server to {@link SERVER_CORE} once it answers. Default true. */
  pin?: boolean;
  /** How long it may take to answer `/health`, in ms. Default 30 s. */
  startTimeoutMs?: number;
}

/**
 * Starts `node <entry>` (compiled JavaScript, as in production: build.ts) with `env`, waits for
 * `/health`, then pins it to the server core (start-up runs unpinned: several servers starting at
 * once would queue on one core).
 */
export async function startServer(
  entry: string,
  port: number,
  env: Record<string, string>,
  launch: Launch = {},
): Promise<ServerProcess> {
  const [command, ...args] = [
    ...(launch.wrapper ?? []),
    process.execPath,
    ...(launch.nodeOptions ?? []),
    entry,
  ];
  const child = spawn(command as string, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: SERVER_HOST, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  // A command that is not installed (valgrind) fails to spawn: said at once, not at the deadline.
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
    live.delete(child);
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const base = `http://${SERVER_HOST}:${port}`;
  await waitForHealth(
    base,
    child,
    () => output,
    launch.startTimeoutMs ?? 30_000,
    () => (spawnError ? new Error(`could not start ${command}: ${spawnError.message}`) : undefined),
  );
  if (CAN_PIN && launch.pin !== false) {
    execFileSync('taskset', ['-a', '-p', '-c', String(SERVER_CORE), String(child.pid)], { stdio: 'ignore' });
  }
  return {
    pid: child.pid ?? 0,
    url: `${base}/graphql`,
    output: () => output,
    warnings: () => warningsIn(output),
    stop: () => stopChild(child),
  };
}

async function waitForHealth(
  base: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
  failedToSpawn: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const spawnError = failedToSpawn();
    if (spawnError) throw spawnError;
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`);
    const ok = await fetch(`${base}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`server at ${base} did not answer /health within ${timeoutMs / 1000} s: ${output()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const CLOCK_TICKS_PER_SEC = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time a process has used so far, in ms (from `/proc/<pid>/stat`). */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SEC;
}

/**
 * The read and write system calls (of any kind: read, recv, write, writev…) a process has made so
 * far, from `/proc/<pid>/io`; zeros where the kernel does not keep them.
 */
export function ioCalls(pid: number): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const count = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? 0);
    return { reads: count('syscr'), writes: count('syscw') };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

function warningsIn(output: string): string[] {
  const messages = new Set<string>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: unknown };
      if ((entry.level ?? 0) >= 40) messages.add(`${entry.msg}${entry.err ? ` (${String(entry.err)})` : ''}`);
    } catch {
      // Not a log line.
    }
  }
  return [...messages];
}
