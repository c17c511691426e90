import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Registry } from 'prom-client';
import { loadConfig, type TierName } from '../../src/config/index.js';
import { bookstore } from '../../src/demo/index.js';
import { createApiKey } from '../../src/identity/api-keys.js';
import type { IdentifyClient } from '../../src/identity/identify.js';
import type { LimiterStore } from '../../src/limiter/store.js';
import { createLogger } from '../../src/logger.js';
import { createTollgateServer } from '../../src/serve/create-server.js';
import { createTollgate, type TollgateOptions } from '../../src/tollgate.js';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;

/**
 * The Redis deadline of test servers unless a test sets `TOLLGATE_REDIS_TIMEOUT_MS`: the suite
 * runs many files, servers and Redis processes on few cores, where a reply can take over 100 ms
 * of wall time; a test about exact limits must not drift onto the per-process fallback.
 * Fault tests set a short deadline themselves.
 */
export const TEST_REDIS_TIMEOUT_MS = '2000';

/** A Tollgate server running in the test process on an ephemeral port. */
export interface RunningTollgate {
  url: string;
  store: LimiterStore;
  /** The server's metrics registry (what `/metrics` serves). */
  registry: Registry;
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Creates an API key in this server's key store and returns it (shown once, as to an operator). */
  createKey(tier?: TierName): Promise<string>;
  stop(): Promise<void>;
}

/** Options of {@link startTollgate}. */
export interface StartOptions {
  /** Redis to keep limits in (or `REDIS_CLUSTER_NODES` in `env`); without either, the in-memory store. */
  redisUrl?: string;
  /** Configuration as environment variables (`TOLLGATE_…`). */
  env?: Record<string, string>;
  /** SDL replacing the demo's (schema/bookstore); Tollgate's own SDL is added as always. */
  typeDefs?: string[];
  /** Resolvers of `typeDefs` (the app's own); default the demo's. */
  resolvers?: TollgateOptions['resolvers'];
  /** The app's identity hook (`createTollgate`'s `identifyClient`). */
  identifyClient?: IdentifyClient;
}

/** Starts Tollgate in-process on 127.0.0.1 and a free port, with its logs captured. */
export async function startTollgate(options: StartOptions = {}): Promise<RunningTollgate> {
  // Keys go to a file of the test's own unless the test names one (never the user's real keys file).
  const config = loadConfig({
    TOLLGATE_KEYS_FILE: temporaryKeysFile(),
    TOLLGATE_REDIS_TIMEOUT_MS: TEST_REDIS_TIMEOUT_MS,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
    PORT: '0',
  });
  const logs: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(JSON.parse(line.toString())));
  const logger = createLogger({ destination });
  // Built as `npm start` builds it (src/serve), with the test's configuration and logs.
  const tollgate = await createTollgate({
    typeDefs: options.typeDefs ?? bookstore.typeDefs,
    resolvers: options.resolvers ?? bookstore.createResolvers(),
    config,
    logger,
    ...(options.identifyClient ? { identifyClient: options.identifyClient } : {}),
  });
  const server = await createTollgateServer({ tollgate });
  const url = await server.listen(0, '127.0.0.1');
  return {
    url: url.replace('localhost', '127.0.0.1'),
    store: tollgate.store,
    registry: tollgate.registry,
    logs,
    createKey: async (tier = 'free') => (await createApiKey(tollgate.keyStore, 'test', tier)).key,
    stop: () => server.stop(),
  };
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

/**
 * Runs `src/main.ts` (or another `entry` that serves, relative to the project) in a child process
 * and waits for it to listen (or to exit).
 */
export function spawnTollgate(env: Record<string, string>, entry = 'src/main.ts'): Promise<TollgateProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      TOLLGATE_KEYS_FILE: temporaryKeysFile(),
      TOLLGATE_REDIS_TIMEOUT_MS: TEST_REDIS_TIMEOUT_MS,
      ...env,
    },
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

/** A keys file path in a fresh temporary folder. */
export function temporaryKeysFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'keys.json');
}
