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
const OTHER_LIMITERS = CONTENDERS.filter((c) => c.limits && !TOLLGATES.includes(c.id)).map((c) => c.id);
/** The most a `@rateLimit` window may cost in Redis per client, whatever its `max`. */
const WINDOW_BYTES = 1024;
/** Left over once idle: at most this share of what the active clients took (Redis keeps some table slack). */
const RESIDUAL_SHARE = 0.02;

const labelOf = (id: ContenderId) => CONTENDERS.find((c) => c.id === id)?.label ?? id;
const ratio = (value: number) => `${value.toFixed(2)}×`;

/** Checks every target of the benchmark issue; a miss is reported, never hidden. */
export function checkTargets(m: Measurements): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const id of TOLLGATES) {
    const subject = labelOf(id);
    for (const row of m.throughput.filter((r) => r.contender === id)) {
      const others = m.throughput.filter(
        (r) => r.shape === row.shape && OTHER_LIMITERS.includes(r.contender),
      );
      const best = others.reduce(
        (a, b) => (b.opsPerSec.median > a.opsPerSec.median ? b : a),
        others[0] ?? row,
      );
      checks.push(
        {
          target: `Throughput ≥ 90% of plain (${row.shape})`,
          subject,
          measured: ratio(row.opsPerSec.vsPlain),
          pass: row.opsPerSec.vsPlain >= 0.9,
        },
        {
          target: `Throughput above every other limiter (${row.shape})`,
          subject,
          measured: `${ratio(row.opsPerSec.vsPlain)} vs best other ${ratio(best.opsPerSec.vsPlain)} (${labelOf(best.contender)})`,
          pass: others.every((other) => row.opsPerSec.median > other.opsPerSec.median),
        },
        {
          target: `Server CPU per operation ≤ 1.10× plain (${row.shape})`,
          subject,
          measured: ratio(row.cpuUsPerOp.vsPlain),
          pass: row.cpuUsPerOp.vsPlain <= 1.1,
        },
      );
    }
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
