import { EXACT_LIMIT } from './budget.js';
import { CONTENDERS, type ContenderId } from './contenders.js';
import type { ExactnessResult } from './sections/exactness.js';
import { type MemoryResult, WINDOW_WORST_CASE } from './sections/memory.js';
import type { RoundTripResult } from './sections/round-trips.js';
import type { ThroughputResult } from './sections/throughput.js';

/** One target Tollgate must meet, as measured in this run. */
export interface TargetCheck {
  target: string;
  subject: string;
  measured: string;
  pass: boolean;
}

/** Everything the targets are checked against. */
export interface Measurements {
  throughput: ThroughputResult[];
  roundTrips: RoundTripResult[];
  exactness: ExactnessResult[];
  memory: MemoryResult[];
}

const TOLLGATES: ContenderId[] = ['tollgate-redis', 'tollgate-memory'];
/** The most a `@rateLimit` window may cost in Redis per client, whatever its `max`. */
const WINDOW_BYTES = 1024;
/** Tollgate in memory may spend at most this many times the plain server's CPU per operation. */
const MEMORY_CPU_VS_PLAIN = 1.15;
/** Left over once idle: at most this share of what the active clients took (Redis keeps some table slack). */
const RESIDUAL_SHARE = 0.02;

const labelOf = (id: ContenderId) => CONTENDERS.find((c) => c.id === id)?.label ?? id;
const ratio = (value: number) => `${value.toFixed(2)}×`;
const micros = (value: number) => `${value.toFixed(1)} µs`;

/** Checks every target of the benchmark issue; a miss is reported, never hidden. */
export function checkTargets(m: Measurements): TargetCheck[] {
  const checks = cpuTargets(m.throughput);
  for (const id of TOLLGATES) {
    const subject = labelOf(id);
    const exact = m.exactness.find((r) => r.contender === id);
    if (exact) {
      checks.push(
        {
          target: `Concurrent requests: at most ${EXACT_LIMIT} served`,
          subject,
          measured: `${exact.concurrentServed} served`,
          pass: exact.concurrentServed <= EXACT_LIMIT,
        },
        {
          target: `Window boundary: at most ${EXACT_LIMIT} served in any window`,
          subject,
          measured: `${exact.openerServed} + ${exact.boundaryServed.before} + ${exact.boundaryServed.after} served`,
          pass: exact.overAdmission === 0,
        },
      );
    }
  }
  for (const row of m.roundTrips.filter((r) => r.contender === 'tollgate-redis')) {
    checks.push({
      target: `Exactly one Redis round trip per operation on the critical path (${row.shape})`,
      subject: labelOf(row.contender),
      measured: `${row.criticalTripsPerOp.toFixed(2)} before the answer, ${row.afterResponseTripsPerOp.toFixed(2)} after`,
      pass: row.criticalTripsPerOp === 1,
    });
  }
  for (const row of m.memory.filter((r) => r.variant.startsWith('Tollgate'))) {
    const grown = row.bytesPerClient * row.clients;
    checks.push({
      target: `Bounded memory that returns to zero (${row.variant.replace('Tollgate: ', '')})`,
      subject: labelOf('tollgate-redis'),
      measured: `${Math.round(row.bytesPerClient)} B/client; idle: ${row.keysAfterIdle} keys, ${row.residualBytes} B left`,
      pass: row.keysAfterIdle === 0 && row.residualBytes <= grown * RESIDUAL_SHARE,
    });
  }
  const window = m.memory.find((row) => row.variant === WINDOW_WORST_CASE);
  if (window) {
    checks.push({
      target: `@rateLimit window state ≤ ${WINDOW_BYTES} B per client for any max`,
      subject: labelOf('tollgate-redis'),
      measured: `${Math.round(window.bytesPerClient)} B/client with max 10,000, full, in all 64 sub-windows`,
      pass: window.bytesPerClient <= WINDOW_BYTES,
    });
  }
  return checks;
}

/**
 * The CPU targets: Tollgate on Redis adds no more CPU per operation to the plain server's than the
 * classic INCR+EXPIRE plugin does (both pay for one Redis round trip), on every query; Tollgate in
 * memory stays within {@link MEMORY_CPU_VS_PLAIN} of plain on the small query.
 */
function cpuTargets(throughput: readonly ThroughputResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of throughput.filter((r) => r.contender === 'tollgate-redis')) {
    const classic = throughput.find((r) => r.shape === row.shape && r.contender === 'classic');
    if (!classic) continue;
    checks.push({
      target: `CPU per operation over plain ≤ the classic plugin's (${row.shape})`,
      subject: labelOf(row.contender),
      measured: `${micros(row.cpuOverPlainUs.least)} vs ${micros(classic.cpuOverPlainUs.least)}${floorNote(throughput, row.shape, ['floor-hooks', 'floor-evalsha'])}`,
      pass: row.cpuOverPlainUs.least <= classic.cpuOverPlainUs.least,
    });
  }
  for (const row of throughput.filter((r) => r.contender === 'tollgate-memory' && r.shape === 'small')) {
    checks.push({
      target: `CPU per operation ≤ ${MEMORY_CPU_VS_PLAIN}× plain (${row.shape})`,
      subject: labelOf(row.contender),
      measured: `${ratio(row.cpuUsPerOp.leastVsPlain)} (${micros(row.cpuOverPlainUs.least)} over plain)${floorNote(throughput, row.shape, ['floor-hooks'])}`,
      pass: row.cpuUsPerOp.leastVsPlain <= MEMORY_CPU_VS_PLAIN,
    });
  }
  return checks;
}

const FLOOR_NAMES: Partial<Record<ContenderId, string>> = {
  'floor-hooks': "a plugin with Tollgate's hooks and answer, deciding nothing",
  'floor-evalsha': 'one no-op EVALSHA',
};

/** The floors measured in the same run, over plain, so that a MISS shows which part any such plugin pays. */
function floorNote(throughput: readonly ThroughputResult[], shape: string, floors: ContenderId[]): string {
  const parts = floors.flatMap((id) => {
    const row = throughput.find((r) => r.shape === shape && r.contender === id);
    return row ? [`${FLOOR_NAMES[id]} ${micros(row.cpuOverPlainUs.least)}`] : [];
  });
  return parts.length === 0 ? '' : `; floors over plain: ${parts.join(', ')}`;
}
