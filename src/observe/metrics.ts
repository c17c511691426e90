import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { TIER_NAMES } from '../config/index.js';
import {
  type LoadSampledEvent,
  OPERATION_OUTCOMES,
  type OperationEvent,
  STORE_OPERATIONS,
  type StoreCallEvent,
  type TollgateEvents,
} from './events.js';
import { CountedHistogram, type HistogramSeries } from './histogram.js';

/** The names of Tollgate's own metrics (the dashboard and the README refer to these). */
export const METRIC_NAMES = {
  operations: 'tollgate_operations_total',
  estimatedCost: 'tollgate_operation_estimated_cost_points',
  actualCost: 'tollgate_operation_actual_cost_points',
  fieldRejections: 'tollgate_field_rejections_total',
  redisCallDuration: 'tollgate_redis_call_duration_seconds',
  fallbackActive: 'tollgate_fallback_active',
  sheddingLevel: 'tollgate_shedding_level',
  operationsInFlight: 'tollgate_operations_in_flight',
  eventLoopDelay: 'tollgate_event_loop_delay_seconds',
  waitDuration: 'tollgate_operation_wait_seconds',
  waiting: 'tollgate_operations_waiting',
  slotsHeld: 'tollgate_concurrency_slots_held',
} as const;

/** Cost buckets in points: from one field to the `pro` tier's default capacity. */
const COST_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
/** Wait buckets in seconds (`maxWaitMs`): from one refill step to a minute. */
const WAIT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Latency buckets in seconds: a local Redis answers in well under a millisecond. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /**
   * `@rateLimit` field coordinates of the schema: their rejection series start at 0, so a rate
   * over them is defined before the first refusal. Default none.
   */
  coordinates?: Iterable<string>;
  /** Also export Node's process metrics (`process_*`, `nodejs_*`). Default `true`. */
  processMetrics?: boolean;
  /**
   * Load shedding is on: export its level and the load it decides on (in-flight operations,
   * event-loop delay). Default `false`: the gauges are not exported, rather than read 0.
   */
  loadShedding?: boolean;
}

/** One server's metrics: its own registry, and the observer that feeds it. */
export interface TollgateMetrics {
  /** This server's registry (never prom-client's global one: servers in one process stay apart). */
  readonly registry: Registry;
  /** Feeds the metrics; combine it with other observers (`combineEvents`). */
  readonly events: Required<TollgateEvents>;
}

/**
 * Creates the Prometheus metrics of one Tollgate server. Labels are bounded by construction:
 * `outcome` and `tier` are enums, `coordinate` comes from the schema, `operation` and `result` from
 * the store interface. Client ids never become labels.
 */
export function createMetrics(options: MetricsOptions = {}): TollgateMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  // Operations are counted in plain numbers and handed to prom-client when it is read: its `inc`
  // with labels hashes them and copies every series on each call, and this runs once per operation.
  const tiers = new Map<string, TierSeries>();
  const operations = new Counter({
    name: METRIC_NAMES.operations,
    help: 'Operations by how the limiter ended them (served, fallback, throttled, too_expensive, dry_run, unavailable, unauthenticated, shed, concurrency_limited, disconnected).',
    labelNames: ['outcome', 'tier'] as const,
    registers,
    collect() {
      for (const tier of tiers.values()) {
        for (const pending of tier.uncounted.values()) {
          if (pending.count === 0) continue;
          this.inc(pending.labels, pending.count);
          pending.count = 0;
        }
      }
    },
  });
  // The histograms too, for the same reason (prom-client's `observe` with labels costs several µs).
  const estimatedCost = new CountedHistogram({
    name: METRIC_NAMES.estimatedCost,
    help: 'Estimated cost of priced operations, in points, before they run (every outcome but unauthenticated).',
    labelNames: ['tier'],
    buckets: COST_BUCKETS,
    registers,
  });
  const actualCost = new CountedHistogram({
    name: METRIC_NAMES.actualCost,
    help: 'Actual cost of operations that ran, in points, measured from the response.',
    labelNames: ['tier'],
    buckets: COST_BUCKETS,
    registers,
  });
  const fieldRejections = new Counter({
    name: METRIC_NAMES.fieldRejections,
    help: '@rateLimit field invocations refused by their window, by field coordinate.',
    labelNames: ['coordinate', 'tier'] as const,
    registers,
  });
  const redisCallDuration = new CountedHistogram({
    name: METRIC_NAMES.redisCallDuration,
    help: 'Duration of limiter store calls to Redis, in seconds, by store operation and result.',
    labelNames: ['operation', 'result'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const waitDuration = new CountedHistogram({
    name: METRIC_NAMES.waitDuration,
    help: 'How long operations admitted with a wait (maxWaitMs) waited their turn, in seconds; disconnected ones included.',
    labelNames: ['tier'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const waiting = new Gauge({
    name: METRIC_NAMES.waiting,
    help: 'Operations of this process waiting their turn now (maxWaitMs).',
    labelNames: ['tier'] as const,
    registers,
  });
  const slotsHeld = new Gauge({
    name: METRIC_NAMES.slotsHeld,
    help: 'Concurrency slots (maxConcurrent) held by operations of this process now.',
    labelNames: ['tier'] as const,
    registers,
  });
  const fallbackActive = new Gauge({
    name: METRIC_NAMES.fallbackActive,
    help: '1 while the in-process fallback limiter decides instead of Redis, else 0.',
    registers,
  });

  /** One tier's series, looked up once per operation (by a tier name, no label string built). */
  const tierSeries = (tier: string, zero: boolean): TierSeries => {
    const uncounted = new Map<string, PendingCount>();
    for (const outcome of zero ? OPERATION_OUTCOMES : [])
      uncounted.set(outcome, { labels: { outcome, tier }, count: 0 });
    const series = {
      uncounted,
      estimatedCost: estimatedCost.series({ tier }, zero),
      actualCost: actualCost.series({ tier }, zero),
      waitDuration: waitDuration.series({ tier }, zero),
    };
    tiers.set(tier, series);
    return series;
  };
  const storeSeries = new Map<string, StoreSeries>();
  const storeOperationSeries = (operation: string, zero: boolean): StoreSeries => {
    const series = {
      ok: redisCallDuration.series({ operation, result: 'ok' }, zero),
      error: redisCallDuration.series({ operation, result: 'error' }, zero),
    };
    storeSeries.set(operation, series);
    return series;
  };

  // Series that exist from the start read 0 instead of "no data" in rate() and in dashboards.
  for (const tier of TIER_NAMES) {
    for (const outcome of OPERATION_OUTCOMES) operations.inc({ outcome, tier }, 0);
    tierSeries(tier, true);
    waiting.set({ tier }, 0);
    slotsHeld.set({ tier }, 0);
    for (const coordinate of options.coordinates ?? []) fieldRejections.inc({ coordinate, tier }, 0);
  }
  for (const operation of STORE_OPERATIONS) storeOperationSeries(operation, true);
  fallbackActive.set(0);
  let fallback = false;
  const shedding = options.loadShedding ? createSheddingGauges(registers) : undefined;

  const countOperation = (event: OperationEvent) => {
    const outcome = event.outcome === 'served' && fallback ? 'fallback' : event.outcome;
    // Tiers and outcomes are enums, all known here from the start; another value gets its series
    // when first seen, as prom-client would create it.
    const series = tiers.get(event.tier) ?? tierSeries(event.tier, false);
    const pending = series.uncounted.get(outcome);
    if (pending) pending.count += 1;
    else series.uncounted.set(outcome, { labels: { outcome, tier: event.tier }, count: 1 });
    if (outcome !== 'unauthenticated' && outcome !== 'shed')
      series.estimatedCost.observe(event.estimatedCost);
    if (outcome === 'served' || outcome === 'fallback') series.actualCost.observe(event.actualCost);
    if (event.waitMs !== undefined) series.waitDuration.observe(event.waitMs / 1000);
  };
  const countStoreCall = (event: StoreCallEvent) => {
    const series = storeSeries.get(event.operation) ?? storeOperationSeries(event.operation, false);
    (event.ok ? series.ok : series.error).observe(event.durationMs / 1000);
  };

  return {
    registry,
    events: {
      operation: countOperation,
      fieldRefused: (event) => fieldRejections.inc({ coordinate: event.coordinate, tier: event.tier }),
      waiting: (event) => waiting.inc({ tier: event.tier }, event.delta),
      slotHeld: (event) => slotsHeld.inc({ tier: event.tier }, event.delta),
      storeCall: countStoreCall,
      fallbackChanged: (event) => {
        fallback = event.active;
        fallbackActive.set(event.active ? 1 : 0);
      },
      loadSampled: (event) => shedding?.sampled(event),
      sheddingChanged: (event) => shedding?.sampled(event),
    },
  };
}

/** Operations of one outcome and tier counted since the last read of the registry. */
interface PendingCount {
  readonly labels: { outcome: string; tier: string };
  count: number;
}

/** What one operation of a tier feeds. */
interface TierSeries {
  /** By outcome. */
  readonly uncounted: Map<string, PendingCount>;
  readonly estimatedCost: HistogramSeries;
  readonly actualCost: HistogramSeries;
  readonly waitDuration: HistogramSeries;
}

/** Calls of one store operation, by result. */
interface StoreSeries {
  readonly ok: HistogramSeries;
  readonly error: HistogramSeries;
}

/** The load shedder's gauges, fed by its samples and level changes. */
function createSheddingGauges(registers: Registry[]) {
  const level = new Gauge({
    name: METRIC_NAMES.sheddingLevel,
    help: 'Load shedding level: 0 sheds nothing, 1 sheds anonymous, 2 sheds anonymous and free.',
    registers,
  });
  const inFlight = new Gauge({
    name: METRIC_NAMES.operationsInFlight,
    help: 'GraphQL operations of this process between their start and their response, as load shedding counts them.',
    registers,
  });
  const eventLoopDelay = new Gauge({
    name: METRIC_NAMES.eventLoopDelay,
    help: 'Mean event-loop delay over the last half-second sample, in seconds, as load shedding measures it.',
    registers,
  });
  level.set(0);
  return {
    sampled(event: LoadSampledEvent) {
      level.set(event.level);
      inFlight.set(event.inFlight);
      eventLoopDelay.set(event.eventLoopDelayMs / 1000);
    },
  };
}
