import { describe, expect, it } from 'vitest';
import { summariseInProcess } from '../../bench/sections/in-process.js';

describe('the in-process section summary', () => {
  it("takes each contender's least run less plain's, and the median of per-repetition differences", () => {
    const [small] = summariseInProcess({
      opsPerRun: 100,
      runs: [
        { contender: 'plain', shape: 'small', cpuUsPerOp: [30, 25, 40] },
        { contender: 'tollgate-memory', shape: 'small', cpuUsPerOp: [38, 45, 33] },
      ],
    }).filter((row) => row.contender === 'tollgate-memory');
    expect(small?.cpuOverPlainUs.least).toBe(8);
    // Differences per repetition: 8, 20, -7.
    expect(small?.cpuOverPlainUs.median).toBe(8);
  });

  it('lists only the contenders and shapes that ran, plain first', () => {
    const rows = summariseInProcess({
      opsPerRun: 1,
      runs: [
        { contender: 'classic', shape: 'nested', cpuUsPerOp: [300] },
        { contender: 'plain', shape: 'nested', cpuUsPerOp: [250] },
      ],
    });
    expect(rows.map((row) => `${row.contender}/${row.shape}`)).toEqual(['plain/nested', 'classic/nested']);
    expect(rows[1]?.cpuOverPlainUs.least).toBe(50);
  });
});
