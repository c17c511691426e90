import { describe, expect, it } from 'vitest';
import type { MeasuredRun } from '../../bench/sections/throughput.js';
import { summariseRuns } from '../../bench/sections/throughput.js';
import { checkTargets } from '../../bench/targets.js';

/** A run whose only figure that matters here is its CPU per operation. */
function run(cpuUsPerOp: number): MeasuredRun {
  return {
    cpuUsPerOp,
    ioCallsPerOp: { reads: 1, writes: 1 },
    redisCpuUsPerOp: 0,
    opsPerSec: 1000,
    operations: 1000,
    latencyP50Ms: 1,
    latencyP99Ms: 2,
    non2xx: 0,
    errors: 0,
  };
}

function runsOf(cpu: Record<string, Record<'small' | 'nested', number[]>>): Map<string, MeasuredRun[]> {
  const runs = new Map<string, MeasuredRun[]>();
  for (const [id, shapes] of Object.entries(cpu)) {
    for (const [shape, values] of Object.entries(shapes)) runs.set(`${id}/${shape}`, values.map(run));
  }
  return runs;
}

// Plain's second repetition and the contenders' third were disturbed (a neighbour took the cache).
const DISTURBED = runsOf({
  plain: { small: [100, 160, 101], nested: [200, 260, 201] },
  classic: { small: [140, 141, 200], nested: [240, 241, 300] },
  'tollgate-redis': { small: [130, 131, 190], nested: [250, 251, 310] },
  'tollgate-memory': { small: [114, 118, 170], nested: [220, 221, 280] },
});

describe('the CPU headline of the throughput section', () => {
  const rows = summariseRuns(DISTURBED);
  const row = (id: string, shape: string) => rows.find((r) => r.contender === id && r.shape === shape);

  it("is each contender's least disturbed run less plain's least disturbed run", () => {
    expect(row('classic', 'small')?.cpuOverPlainUs.least).toBe(40);
    expect(row('tollgate-redis', 'small')?.cpuOverPlainUs.least).toBe(30);
    expect(row('tollgate-memory', 'small')?.cpuUsPerOp.leastVsPlain).toBeCloseTo(1.14, 2);
  });

  it('keeps the per-repetition differences beside it, noise and all', () => {
    // 140 − 100, 141 − 160, 200 − 101.
    expect(row('classic', 'small')?.cpuOverPlainUs).toMatchObject({ median: 40, min: -19, max: 99 });
  });

  it('decides the CPU targets on the least disturbed runs', () => {
    const targets = checkTargets({ throughput: rows, roundTrips: [], exactness: [], memory: [] });
    const verdict = (text: string) => targets.find((t) => t.target.includes(text))?.pass;
    expect(verdict("classic plugin's (small)")).toBe(true); // 30 vs 40 over plain
    expect(verdict("classic plugin's (nested)")).toBe(false); // 50 vs 40
    // 114 / 100, where the medians (118 / 101) would say 1.17×: a disturbed run decides nothing.
    expect(verdict('1.15× plain')).toBe(true);
  });

  it('passes no CPU target when plain was not measured', () => {
    const withoutPlain = new Map([...DISTURBED].filter(([key]) => !key.startsWith('plain/')));
    const targets = checkTargets({
      throughput: summariseRuns(withoutPlain),
      roundTrips: [],
      exactness: [],
      memory: [],
    });
    expect(targets.filter((t) => t.target.startsWith('CPU')).map((t) => t.pass)).toEqual([
      false,
      false,
      false,
    ]);
  });
});
