import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOAD_CORE, pinned } from './processes.js';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/**
 * The load generator: `wrk` (a C program, Debian package `wrk`) when it is on PATH, else
 * autocannon. autocannon is a Node process that needs a core of its own; it eats the core it
 * shares with Redis and so inflates every Redis contender's latency and throughput alike.
 */
export const LOAD_GENERATOR: 'wrk' | 'autocannon' =
  spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined ? 'wrk' : 'autocannon';

/** One load run's result, as the load generator measured it from its own process. */
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

/** POSTs `query` to `url` for `durationSec` over `connections` connections, from a pinned load generator. */
export function runLoad(
  url: string,
  query: string,
  durationSec: number,
  connections: number,
): Promise<LoadResult> {
  const body = JSON.stringify({ query });
  return LOAD_GENERATOR === 'wrk'
    ? runWrk(url, body, durationSec, connections)
    : runAutocannon(url, body, durationSec, connections);
}

// wrk's own summary is text; this script adds one JSON line after it (latencies in µs).
const WRK_SCRIPT = `
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = os.getenv("BENCH_WRK_BODY")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nBENCH_WRK {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"status":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
`;
let wrkScriptPath: string | undefined;

interface WrkJson {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  status: number;
  errors: number;
}

async function runWrk(url: string, body: string, durationSec: number, connections: number) {
  if (!wrkScriptPath) {
    wrkScriptPath = join(mkdtempSync(join(tmpdir(), 'tollgate-bench-wrk-')), 'post.lua');
    writeFileSync(wrkScriptPath, WRK_SCRIPT);
  }
  // One thread: the load generator keeps to its one core.
  const args = ['-t1', `-c${connections}`, `-d${durationSec}s`, '-s', wrkScriptPath, url];
  const stdout = await runPinned('wrk', args, { BENCH_WRK_BODY: body });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_WRK '));
  if (!line) throw new Error(`wrk printed no result: ${stdout}`);
  const result = JSON.parse(line.slice('BENCH_WRK '.length)) as WrkJson;
  return {
    opsPerSec: result.requests / (result.durationUs / 1e6),
    operations: result.requests,
    latencyP50Ms: result.p50Us / 1000,
    latencyP99Ms: result.p99Us / 1000,
    non2xx: result.status,
    errors: result.errors,
  };
}

interface AutocannonJson {
  duration: number;
  requests: { total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function runAutocannon(url: string, body: string, durationSec: number, connections: number) {
  const stdout = await runPinned(process.execPath, [
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
    body,
    url,
  ]);
  const result = JSON.parse(stdout) as AutocannonJson;
  return {
    opsPerSec: result.requests.total / result.duration,
    operations: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Runs `command` on the load core and resolves with its stdout once it exits with 0. */
function runPinned(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const [pinnedCommand, pinnedArgs] = pinned(LOAD_CORE, command, args);
  const child = spawn(pinnedCommand, pinnedArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
      if (code !== 0) return reject(new Error(`${command} exited with ${code}: ${stderr}`));
      resolve(stdout);
    });
  });
}
