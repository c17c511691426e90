import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENDERS } from '../bench/contenders.js';
import { type BenchReport, SECTION_TITLES } from '../bench/report.js';

const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
// Compiling the contenders (dist/ and the alternatives) comes first: up to half a minute on a busy machine.
const RUN_DEADLINE_MS = 200_000;

/** Runs `npm run bench`'s script with a tiny budget; speed is not asserted, only that it all comes out. */
function runTinyBench(jsonPath: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { REDIS_URL: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/run.ts'], {
    cwd: PROJECT_ROOT,
    // Without REDIS_URL the bench starts (and stops, for its outage section) a Redis of its own.
    env: {
      ...env,
      BENCH_DURATION_S: '1',
      BENCH_REPEAT: '1',
      BENCH_WARMUP_S: '0',
      BENCH_CONNECTIONS: '2',
      BENCH_TRIP_OPS: '10',
      BENCH_CONCURRENT: '200',
      BENCH_WINDOW_S: '2',
      BENCH_MEMORY_CLIENTS: '500',
      BENCH_MEMORY_TTL_S: '1',
      BENCH_PRICING_ITERATIONS: '20',
      BENCH_IN_PROCESS_OPS: '20',
      BENCH_JSON: jsonPath,
    },
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
  // Never leave a bench (and the servers it started) running past the test: SIGTERM makes it clean up.
  const deadline = setTimeout(() => child.kill('SIGTERM'), RUN_DEADLINE_MS);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('npm run bench on a tiny budget', () => {
  it('prints every section and writes the JSON with every contender', { timeout: 210_000 }, async () => {
    const jsonPath = join(mkdtempSync(join(tmpdir(), 'tollgate-bench-')), 'bench.json');
    const { code, stdout, stderr } = await runTinyBench(jsonPath);
    expect(code, stderr).toBe(0);

    for (const title of SECTION_TITLES) expect(stdout).toContain(`## ${title}`);
    for (const contender of CONTENDERS) expect(stdout).toContain(contender.label);
    expect(stdout).toMatch(/\| (PASS|\*\*MISS\*\*) \|/);

    const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchReport;
    const ids = CONTENDERS.map((c) => c.id);
    const redisIds = CONTENDERS.filter((c) => c.usesRedis).map((c) => c.id);
    expect(new Set(report.throughput.map((t) => `${t.contender}/${t.shape}`)).size).toBe(ids.length * 2);
    for (const row of report.throughput) expect(row.opsPerSec.median).toBeGreaterThan(0);
    // Each operation reads its request and writes its answer: at least one call of each per operation.
    for (const row of report.throughput) expect(row.ioCallsPerOp.writes).toBeGreaterThan(0.5);
    // Every Redis contender's calls cost the bench's Redis some CPU.
    for (const row of report.throughput.filter((t) => redisIds.includes(t.contender))) {
      expect(row.redisCpuUsPerOp).toBeGreaterThan(0);
    }
    // Every contender's JavaScript, in process, on both queries (its answers checked on the way).
    expect(new Set(report.inProcess.map((t) => `${t.contender}/${t.shape}`)).size).toBe(ids.length * 2);
    for (const row of report.inProcess) expect(Math.min(...row.cpuUsPerOp)).toBeGreaterThan(0);
    expect(report.roundTrips.map((t) => t.contender).sort()).toEqual([...redisIds, ...redisIds].sort());
    expect(report.exactness.map((e) => e.contender)).toEqual(ids);
    expect(report.outage.map((o) => o.contender)).toEqual(ids);
    // The plain server limits nothing: every one of the concurrent requests is served.
    expect(report.exactness.find((e) => e.contender === 'plain')?.concurrentServed).toBe(200);
    // Classic, rate-limiter-flexible, and Tollgate's bucket, bucket + window, bucket + a window of
    // large max, and that window full in all its sub-windows (whose first keys may expire before the
    // pass ends: it is measured over the keys still there).
    expect(report.memory.map((m) => m.variant)).toHaveLength(6);
    for (const row of report.memory) expect(row.keys).toBeGreaterThan(0);
    expect(report.shaping.map((row) => row.chargeUs).every((us) => us > 0)).toBe(true);
    expect(report.pricing.cost).toBeGreaterThan(0);
    expect(report.shedding.admitNs).toBeGreaterThan(0);
    expect(report.shedding.contextOnUs).toBeGreaterThan(0);
    expect(report.targets.length).toBeGreaterThan(0);
    for (const target of report.targets) expect(typeof target.pass).toBe('boolean');
    expect(report.machine.nproc).toBeGreaterThan(0);
    // Whether idle cores polled is part of how the figures were taken, so the report says it.
    expect(report.machine.idlePolling).toMatch(/kept polling|could halt/);
    expect(stdout).toContain(report.machine.idlePolling);
  });
});
