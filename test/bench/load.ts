import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { LOAD_CORE, pinned } from './processes.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** One load run's result, as autocannon measured it from its own process. */
export interface LoadResult {
  /** Responses received per second over the run. */
  opsPerSec: number;
  /** Responses received. */
  operations: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Responses that were not 2xx, and connection errors plus timeouts: a valid run has none. */
  non2xx: number;
  errors: number;
}

interface AutocannonJson {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** POSTs `query` to `url` for `durationSec` over `connections` connections, from a pinned autocannon process. */
export function runLoad(
  url: string,
  query: string,
  durationSec: number,
  connections: number,
): Promise<LoadResult> {
  const [command, args] = pinned(LOAD_CORE, process.execPath, [
    AUTOCANNON,
    '--json',
    '--no-progress',
    '-c',
    String(connections),
    '-d',
    String(durationSec),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-b',
    JSON.stringify({ query }),
    url,
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}: ${stderr}`));
      const result = JSON.parse(stdout) as AutocannonJson;
      resolve({
        opsPerSec: result.requests.total / result.duration,
        operations: result.requests.total,
        latencyP50Ms: result.latency.p50,
        latencyP99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      });
    });
  });
}
