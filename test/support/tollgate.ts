import { type ChildProcess, spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { createBookstoreResolvers } from '../../src/demo/resolvers.js';
import { MemoryStore } from '../../src/limiter/memory-store.js';
import { RedisStore } from '../../src/limiter/redis-store.js';
import type { LimiterStore } from '../../src/limiter/store.js';
import { createLogger } from '../../src/logger.js';
import { rateLimitFieldResolvers } from '../../src/plugin/rate-limit-field.js';
import { buildTollgateSchema, readSchemaFolder } from '../../src/schema/build-schema.js';
import { createTollgateServer } from '../../src/server.js';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

/** A Tollgate server running in the test process on an ephemeral port. */
export interface RunningTollgate {
  url: string;
  store: LimiterStore;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Options of {@link startTollgate}. */
export interface StartOptions {
  /** Redis to keep limits in; without it, the in-memory store. */
  redisUrl?: string;
  /** Configuration as environment variables (`TOLLGATE_…`). */
  env?: Record<string, string>;
  /** SDL replacing the demo's `schema/` folder. */
  typeDefs?: string[];
}

/** Starts Tollgate in-process on 127.0.0.1 and a free port, with its logs captured. */
export async function startTollgate(options: StartOptions = {}): Promise<RunningTollgate> {
  const config = loadConfig({ ...options.env, PORT: '0' });
  const logs: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(JSON.parse(line.toString())));
  const logger = createLogger({ destination });
  const schema = buildTollgateSchema({
    typeDefs: options.typeDefs ?? readSchemaFolder(config.schemaDir),
    resolvers: [createBookstoreResolvers(), rateLimitFieldResolvers],
    defaultListSize: config.cost.defaultListSize,
  });
  const store = options.redisUrl ? new RedisStore(new Redis(options.redisUrl)) : new MemoryStore();
  const server = await createTollgateServer({ config, schema, store, logger });
  const url = await server.listen(0, '127.0.0.1');
  return { url: url.replace('localhost', '127.0.0.1'), store, logs, stop: () => server.stop() };
}

/** A Tollgate server in a process of its own, started as `npm start` would. */
export interface TollgateProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote so far. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `src/main.ts` in a child process and waits for it to listen (or to exit). */
export function spawnTollgate(env: Record<string, string>): Promise<TollgateProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /Tollgate ready at (\S+?)"/.exec(output)?.[1];
      if (url) {
        resolve({
          url,
          child,
          output: () => output,
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new ProcessExit(code, output)));
  });
}

/** The child exited before it was ready; `output` says why. */
export class ProcessExit extends Error {
  constructor(
    readonly code: number | null,
    readonly output: string,
  ) {
    super(`tollgate exited with ${code}: ${output}`);
  }
}
