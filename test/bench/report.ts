import { EXACT_LIMIT } from './budget.js';
import { CONTENDERS, type ContenderId } from './contenders.js';
import type { MachineInfo } from './machine.js';
import type { ExactnessResult } from './sections/exactness.js';
import type { InProcessResult } from './sections/in-process.js';
import type { MemoryResult } from './sections/memory.js';
import type { OutageResult } from './sections/outage.js';
import type { PricingResult } from './sections/pricing.js';
import type { RoundTripResult } from './sections/round-trips.js';
import type { ShapingResult } from './sections/shaping.js';
import type { SheddingCostResult } from './sections/shedding.js';
import { repetitionsByProcess, type ThroughputResult } from './sections/throughput.js';
import type { TargetCheck } from './targets.js';

/** Everything one run measured: the JSON file holds exactly this. */
export interface BenchReport {
  machine: MachineInfo;
  throughput: ThroughputResult[];
  /** CPU per operation of each contender's JavaScript, with no socket between client and server. */
  inProcess: InProcessResult[];
  roundTrips: RoundTripResult[];
  exactness: ExactnessResult[];
  memory: MemoryResult[];
  pricing: PricingResult;
  /** What load shedding adds per operation, on and off. */
  shedding: SheddingCostResult;
  /** The store's cost per operation of waiting (`maxWaitMs`) and concurrency limits, on and off. */
  shaping: ShapingResult[];
  /** Empty (with `outageSkipped` saying why) when the bench may not stop the Redis it uses. */
  outage: OutageResult[];
  outageSkipped?: string;
  targets: TargetCheck[];
}

/** The section headings, in order; the smoke test checks each is printed. */
export const SECTION_TITLES = [
  'Targets',
  'CPU per operation, throughput and latency',
  'CPU per operation in process',
  'Redis per operation',
  'Exactness',
  'Redis memory per client',
  'Pricing cost',
  'Redis stopped',
  'Load shedding cost',
  'Traffic shaping cost',
] as const;

const usesRedis = (id: ContenderId) => CONTENDERS.find((c) => c.id === id)?.usesRedis ?? false;
const label = (id: ContenderId) => CONTENDERS.find((c) => c.id === id)?.label ?? id;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 2) => n.toFixed(digits);

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The whole report as markdown. */
export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const misses = r.targets.filter((t) => !t.pass).length;
  return [
    `# Tollgate benchmark (${m.finishedAt})`,
    `Machine: ${m.nproc} cores, ${m.cpuModel}; Node ${m.node}; ${m.redis}. ${m.pinning} ${m.idlePolling} Load average (1 min) ${m.loadAverage.start.toFixed(1)} at the start, ${m.loadAverage.end.toFixed(1)} at the end.`,
    `Load generator: ${m.loadGenerator}. Budget: ${m.budget.durationSec} s per run × ${m.budget.repeat} repetitions × 2 queries, the repetitions shared out between ${repetitionsByProcess(m.budget.repeat, m.budget.processes).length} starts of each server, ${m.budget.connections} connections; CPU from each contender's least disturbed run, other figures medians, (min–max) over repetitions.`,
    `## ${SECTION_TITLES[0]} (${misses === 0 ? 'all met' : `${misses} MISSED`})`,
    table(
      ['Target', 'Contender', 'Measured', 'Result'],
      r.targets.map((t) => [t.target, t.subject, t.measured, t.pass ? 'PASS' : '**MISS**']),
    ),
    `## ${SECTION_TITLES[1]}`,
    "The headline is the server CPU (user + system, from /proc) per operation that a contender adds to the plain server's, from each one's least disturbed run (its lowest CPU per operation, less plain's lowest): on a shared machine interference only ever adds CPU time, so the lowest run is the nearest to the work itself and the figure that holds still from one bench run to the next. Beside it, the median and range of the per-repetition differences (each against plain's run of the same repetition), which carry the machine's noise.",
    table(
      [
        'Contender',
        'Query',
        'CPU µs/op over plain: least disturbed',
        'per repetition: median (min–max)',
        'CPU µs/op',
        'CPU × plain',
        'ops/s (min–max)',
        '× plain',
        'p50 ms',
        'p99 ms',
        'reads + writes / op',
        'Redis CPU µs/op',
        'non-2xx',
      ],
      r.throughput.map((t) => [
        label(t.contender),
        t.shape,
        `**${fixed(t.cpuOverPlainUs.least, 1)}**`,
        `${fixed(t.cpuOverPlainUs.median, 1)} (${fixed(t.cpuOverPlainUs.min, 1)}–${fixed(t.cpuOverPlainUs.max, 1)})`,
        `${int(t.cpuUsPerOp.min)} (median ${int(t.cpuUsPerOp.median)}, max ${int(t.cpuUsPerOp.max)})`,
        fixed(t.cpuUsPerOp.leastVsPlain),
        `${int(t.opsPerSec.median)} (${int(t.opsPerSec.min)}–${int(t.opsPerSec.max)})`,
        fixed(t.opsPerSec.vsPlain),
        fixed(t.latencyP50Ms, 1),
        fixed(t.latencyP99Ms, 1),
        `${fixed(t.ioCallsPerOp.reads)} + ${fixed(t.ioCallsPerOp.writes)}`,
        usesRedis(t.contender) ? fixed(t.redisCpuUsPerOp, 1) : '—',
        String(t.failures),
      ]),
    ),
    `## ${SECTION_TITLES[2]}`,
    `The same servers, configured the same way, each given ${int(r.machine.budget.inProcessOps)} operations per run (ten in flight) by Apollo's \`executeHTTPGraphQLRequest\`, each in a process of its own on the server core, ${r.machine.budget.repeat} repetitions in two passes of opposite order: no socket between client and server (Redis is still called over its own), so no kernel, HTTP parser or response write in the figure. What each contender's own JavaScript costs per operation, not a target.`,
    table(
      [
        'Contender',
        'Query',
        'CPU µs/op over plain: least disturbed',
        'per repetition: median',
        'CPU µs/op (least–most)',
      ],
      r.inProcess.map((t) => [
        label(t.contender),
        t.shape,
        `**${fixed(t.cpuOverPlainUs.least, 1)}**`,
        fixed(t.cpuOverPlainUs.median, 1),
        `${fixed(Math.min(...t.cpuUsPerOp), 1)}–${fixed(Math.max(...t.cpuUsPerOp), 1)}`,
      ]),
    ),
    `## ${SECTION_TITLES[3]}`,
    "Counted with MONITOR on the bench's own Redis; a MULTI…EXEC block is one round trip.",
    table(
      [
        'Contender',
        'Query',
        'Round trips before the answer',
        'After the answer',
        'Commands sent',
        'Commands executed',
        'What it sends (per op)',
        'Server warnings so far',
      ],
      r.roundTrips.map((t) => [
        label(t.contender),
        t.shape,
        fixed(t.criticalTripsPerOp),
        fixed(t.afterResponseTripsPerOp),
        fixed(t.commandsSentPerOp),
        fixed(t.commandsExecutedPerOp),
        Object.entries(t.byLabel)
          .map(([what, n]) => `${what} ×${fixed(n)}`)
          .join(', '),
        t.serverWarnings.join('; ') || '—',
      ]),
    ),
    `## ${SECTION_TITLES[4]}`,
    `Limit ${EXACT_LIMIT} per ${m.budget.windowSec} s per client. Boundary: one request opens the window, then 100 just before its end and 100 just after. ` +
      'Tollgate counts a window of more than 64 calls per sub-window (1/64 of it): never more than the limit in any span of the window, and a call counts at most one sub-window (less 1 ms) past its end, so the burst after may find the opener still counted.',
    table(
      [
        'Contender',
        `${int(m.budget.concurrentRequests)} at once: served`,
        'Boundary: opener + before + after',
        'Burst before done (ms before boundary)',
        'Over-admission',
        'Refuses early by at most (ms)',
        'Server warnings meanwhile',
      ],
      r.exactness.map((e) => [
        label(e.contender),
        String(e.concurrentServed),
        `${e.openerServed} + ${e.boundaryServed.before} + ${e.boundaryServed.after}`,
        e.beforeBurstDoneMs >= 0 ? int(e.beforeBurstDoneMs) : `${int(e.beforeBurstDoneMs)} (late)`,
        CONTENDERS.find((c) => c.id === e.contender)?.limits ? String(e.overAdmission) : 'no limit',
        e.earlyRefusalBoundMs === null ? '—' : int(e.earlyRefusalBoundMs),
        e.serverWarnings.join('; ') || '—',
      ]),
    ),
    `## ${SECTION_TITLES[5]}`,
    table(
      [
        'Store',
        'Clients',
        'Keys',
        'Bytes per client',
        'Keys once idle',
        'Bytes left once idle',
        'Gone after s',
      ],
      r.memory.map((x) => [
        x.variant,
        int(x.clients),
        int(x.keys),
        int(x.bytesPerClient),
        int(x.keysAfterIdle),
        int(x.residualBytes),
        fixed(x.expiredAfterSec, 1),
      ]),
    ),
    `## ${SECTION_TITLES[6]}`,
    table(
      ['Query', 'Estimated cost', 'Cold µs (fresh document)', 'Repeated µs (same document)'],
      [
        [
          "the demo's dearest (test/bench/queries.ts)",
          String(r.pricing.cost),
          fixed(r.pricing.coldUs, 1),
          fixed(r.pricing.repeatedUs, 2),
        ],
      ],
    ),
    `## ${SECTION_TITLES[7]}`,
    r.outageSkipped ??
      table(
        ['Contender', 'Answers while Redis is down (status code, ms)', 'Serves again after restart'],
        r.outage.map((o) => [
          label(o.contender),
          o.answers
            .map((a) => `${a.status || '—'} ${a.code ?? (a.served ? 'served' : '')} ${int(a.latencyMs)}`)
            .join('; '),
          o.recoveredAfterSec === null ? 'not within 10 s' : `${fixed(o.recoveredAfterSec, 1)} s`,
        ]),
      ),
    `## ${SECTION_TITLES[8]}`,
    'Off (the default), no shedder exists: no check, no counting plugin, no timer. On, in process:',
    table(
      ['Work', 'Per operation'],
      [
        ['admission check of a request let through (level 0)', `${int(r.shedding.admitNs)} ns`],
        ['in-flight count (execution start, response hooks)', `${int(r.shedding.countNs)} ns`],
        ['refusing a shed request (503, event)', `${int(r.shedding.shedNs)} ns`],
        ['`tollgate.context()` (identity + check), shedding off', `${fixed(r.shedding.contextOffUs, 2)} µs`],
        ['`tollgate.context()` (identity + check), shedding on', `${fixed(r.shedding.contextOnUs, 2)} µs`],
      ],
    ),
    `## ${SECTION_TITLES[9]}`,
    table(
      [
        'Variant',
        'Charge µs (median)',
        'Release µs (after the response)',
        'Redis calls / operation',
        'Waited',
      ],
      r.shaping.map((x) => [
        x.variant,
        fixed(x.chargeUs, 1),
        x.releaseUs > 0 ? fixed(x.releaseUs, 1) : '—',
        String(x.callsPerOperation),
        `${Math.round(x.waitedShare * 100)} %`,
      ]),
    ),
  ].join('\n\n');
}
