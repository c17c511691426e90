import { describe, expect, it } from 'vitest';
import { readBudget } from '../../bench/budget.js';
import { repetitionsByProcess } from '../../bench/sections/throughput.js';

describe("the throughput section's starts of each server", () => {
  it('shares the repetitions out in order between the starts, evenly', () => {
    expect(repetitionsByProcess(6, 3)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(repetitionsByProcess(7, 3)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5, 6],
    ]);
  });

  it('gives every start both orders of the contenders when it has two repetitions or more', () => {
    // A repetition's number sets the order (even: as listed, odd: reversed).
    for (const repetitions of repetitionsByProcess(6, 3)) {
      expect(new Set(repetitions.map((rep) => rep % 2))).toEqual(new Set([0, 1]));
    }
  });

  it('never starts a server for no repetition', () => {
    expect(repetitionsByProcess(1, 3)).toEqual([[0]]);
    expect(repetitionsByProcess(2, 5)).toEqual([[0], [1]]);
    expect(repetitionsByProcess(4, 1)).toEqual([[0, 1, 2, 3]]);
  });

  it('starts each server three times by default, BENCH_PROCESSES changes it', () => {
    expect(readBudget({}).processes).toBe(3);
    expect(readBudget({ BENCH_PROCESSES: '2' }).processes).toBe(2);
    expect(() => readBudget({ BENCH_PROCESSES: '0' })).toThrow(/BENCH_PROCESSES/);
  });
});
