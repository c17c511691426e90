import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { BenchBudget } from './budget.js';
import { LOAD_GENERATOR } from './load.js';
import { CAN_PIN, LOAD_CORE, SERVER_CORE } from './processes.js';

/** Where and how the numbers were taken. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  node: string;
  redis: string;
  pinning: string;
  /** `wrk` when installed, else autocannon (load.ts). */
  loadGenerator: string;
  /** Whether idle cores were kept polling rather than halting (idle-polling.ts), as the report says it. */
  idlePolling: string;
  /** 1-minute load average when the run started and when it finished: other work on the machine skews throughput. */
  loadAverage: { start: number; end: number };
  budget: BenchBudget;
  startedAt: string;
  finishedAt: string;
}

/** Describes this machine and run. */
export function describeMachine(
  budget: BenchBudget,
  startedAt: Date,
  startLoad: number,
  idlePolling: string,
): MachineInfo {
  const model = /model name\s*:\s*(.+)/.exec(safely(() => readFileSync('/proc/cpuinfo', 'utf8')))?.[1];
  return {
    // Not `nproc`: the runner is pinned to one core by now, and nproc counts only those.
    nproc: cpus().length,
    cpuModel: model ?? cpus()[0]?.model ?? 'unknown',
    node: process.version,
    redis:
      safely(() => execFileSync('redis-server', ['--version']).toString().split(' sha=')[0] ?? '').trim() ||
      'Redis',
    pinning: CAN_PIN
      ? `Servers pinned to core ${SERVER_CORE}; load generator (${LOAD_GENERATOR}), Redis and runner to core ${LOAD_CORE}.`
      : 'Not pinned (taskset or a second core is missing).',
    loadGenerator: LOAD_GENERATOR,
    idlePolling,
    loadAverage: { start: startLoad, end: loadavg()[0] ?? 0 },
    budget,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

function safely(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}
