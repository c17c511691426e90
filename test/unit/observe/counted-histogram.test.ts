import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TIER_NAMES } from '../../../src/config/index.js';
import { OPERATION_OUTCOMES, STORE_OPERATIONS, type TollgateEvents } from '../../../src/observe/events.js';
import { CountedHistogram } from '../../../src/observe/histogram.js';
import { createMetrics } from '../../../src/observe/metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10, 100];

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Values on bounds, between them, above the last, negative and zero, in awkward fractions. */
function value(next: () => number): number {
  const kind = next();
  if (kind < 0.2) return BUCKETS[Math.floor(next() * BUCKETS.length)] as number;
  if (kind < 0.25) return 0;
  if (kind < 0.3) return -next();
  if (kind < 0.35) return 100 + next() * 1000;
  return next() ** 3 * 20;
}

/** The same histogram twice: prom-client's own, and ours, each in a registry of its own. */
function pair() {
  const config = { name: 'test_seconds', help: 'Test "help" \\ with escapes.', buckets: BUCKETS };
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({ ...config, labelNames: ['op', 'result'] as const, registers: [theirs] });
  const counted = new CountedHistogram({ ...config, labelNames: ['op', 'result'], registers: [ours] });
  return { theirs, ours, reference, counted };
}

async function expectSameExposition(theirs: Registry, ours: Registry) {
  expect(await ours.metrics()).toBe(await theirs.metrics());
  expect(JSON.stringify(await ours.getMetricsAsJSON())).toBe(JSON.stringify(await theirs.getMetricsAsJSON()));
}

describe('CountedHistogram', () => {
  it("exports exactly what prom-client's Histogram exports for the same observations", async () => {
    for (const seed of [1, 2, 3]) {
      const { theirs, ours, reference, counted } = pair();
      // Zeroed series first, in prom-client's order; others appear at their first observation.
      for (const op of ['charge', 'refund']) {
        reference.zero({ op, result: 'ok' });
        counted.series({ op, result: 'ok' }, true);
      }
      const next = random(seed);
      const ops = ['charge', 'refund', 'peek', 'odd "op"\nname'];
      for (let i = 0; i < 5000; i++) {
        const labels = {
          op: ops[Math.floor(next() * ops.length)] as string,
          result: next() < 0.8 ? 'ok' : 'error',
        };
        const observed = value(next);
        reference.observe(labels, observed);
        counted.series(labels).observe(observed);
      }
      await expectSameExposition(theirs, ours);
      theirs.setDefaultLabels({ instance: 'a' });
      ours.setDefaultLabels({ instance: 'a' });
      await expectSameExposition(theirs, ours);
    }
  });

  it('exports zeroed series reading 0 before any observation, and nothing else', async () => {
    const { theirs, ours, reference, counted } = pair();
    reference.zero({ op: 'charge', result: 'error' });
    counted.series({ op: 'charge', result: 'error' }, true);
    // A series held but never observed is not exported (prom-client creates series on observe).
    counted.series({ op: 'peek', result: 'ok' });
    await expectSameExposition(theirs, ours);
    expect(await ours.metrics()).toContain('test_seconds_count{op="charge",result="error"} 0');
  });

  it('loses nothing to a read in the middle of observations', async () => {
    const { theirs, ours, reference, counted } = pair();
    const series = counted.series({ op: 'charge', result: 'ok' });
    const next = random(9);
    for (let scrape = 0; scrape < 4; scrape++) {
      for (let i = 0; i < 300; i++) {
        const observed = value(next);
        reference.observe({ op: 'charge', result: 'ok' }, observed);
        series.observe(observed);
      }
      await expectSameExposition(theirs, ours);
    }
    expect(await ours.metrics()).toContain('test_seconds_count{op="charge",result="ok"} 1200');
  });

  it('forgets everything on reset, as prom-client does, and counts again after it', async () => {
    const { theirs, ours, reference, counted } = pair();
    reference.zero({ op: 'charge', result: 'ok' });
    const zeroed = counted.series({ op: 'charge', result: 'ok' }, true);
    const other = counted.series({ op: 'refund', result: 'ok' });
    reference.observe({ op: 'charge', result: 'ok' }, 0.5);
    zeroed.observe(0.5);
    theirs.resetMetrics();
    ours.resetMetrics();
    await expectSameExposition(theirs, ours);
    reference.observe({ op: 'refund', result: 'ok' }, 2);
    other.observe(2);
    reference.observe({ op: 'charge', result: 'ok' }, 0.05);
    zeroed.observe(0.05);
    await expectSameExposition(theirs, ours);
  });

  it('refuses a value that is not a finite number, as prom-client does, counting nothing', async () => {
    const { theirs, ours, reference, counted } = pair();
    const series = counted.series({ op: 'charge', result: 'ok' }, true);
    reference.zero({ op: 'charge', result: 'ok' });
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => reference.observe({ op: 'charge', result: 'ok' }, bad)).toThrow(TypeError);
      expect(() => series.observe(bad)).toThrow(TypeError);
    }
    await expectSameExposition(theirs, ours);
  });
});

/** Tollgate's metrics before this change: prom-client's Histogram observed on every event. */
function referenceMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const cost = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
  const estimated = new Histogram({
    name: 'tollgate_operation_estimated_cost_points',
    help: 'Estimated cost of priced operations, in points, before they run (every outcome but unauthenticated).',
    labelNames: ['tier'],
    buckets: cost,
    registers,
  });
  const actual = new Histogram({
    name: 'tollgate_operation_actual_cost_points',
    help: 'Actual cost of operations that ran, in points, measured from the response.',
    labelNames: ['tier'],
    buckets: cost,
    registers,
  });
  const redis = new Histogram({
    name: 'tollgate_redis_call_duration_seconds',
    help: 'Duration of limiter store calls to Redis, in seconds, by store operation and result.',
    labelNames: ['operation', 'result'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const wait = new Histogram({
    name: 'tollgate_operation_wait_seconds',
    help: 'How long operations admitted with a wait (maxWaitMs) waited their turn, in seconds; disconnected ones included.',
    labelNames: ['tier'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  for (const tier of TIER_NAMES) {
    estimated.zero({ tier });
    actual.zero({ tier });
    wait.zero({ tier });
  }
  for (const operation of STORE_OPERATIONS) {
    for (const result of ['ok', 'error']) redis.zero({ operation, result });
  }
  const events: TollgateEvents = {
    operation(event) {
      if (event.outcome !== 'unauthenticated' && event.outcome !== 'shed')
        estimated.observe({ tier: event.tier }, event.estimatedCost);
      if (event.outcome === 'served' || event.outcome === 'fallback')
        actual.observe({ tier: event.tier }, event.actualCost);
      if (event.waitMs !== undefined) wait.observe({ tier: event.tier }, event.waitMs / 1000);
    },
    storeCall(event) {
      redis.observe(
        { operation: event.operation, result: event.ok ? 'ok' : 'error' },
        event.durationMs / 1000,
      );
    },
  };
  return { registry, events };
}

/** One metric family of an exposition: its HELP, TYPE and samples. */
function family(text: string, name: string): string {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith(`# HELP ${name} `))
    .map((block) => block.trimEnd())
    .join('\n\n');
}

describe("createMetrics' histograms", () => {
  it("read exactly as prom-client's Histogram fed the same events, between scrapes too", async () => {
    const ours = createMetrics({ processMetrics: false });
    const reference = referenceMetrics();
    const next = random(42);
    for (let scrape = 0; scrape < 3; scrape++) {
      for (let i = 0; i < 3000; i++) {
        if (next() < 0.6) {
          const event = {
            outcome: OPERATION_OUTCOMES[Math.floor(next() * OPERATION_OUTCOMES.length)] ?? 'served',
            tier: TIER_NAMES[Math.floor(next() * TIER_NAMES.length)] ?? 'free',
            client: 'ip:203.0.113.7',
            estimatedCost: next() < 0.1 ? 10_000 + next() * 5000 : Math.floor(next() ** 2 * 3000),
            actualCost: Math.floor(next() * 500),
            ...(next() < 0.3 ? { waitMs: next() ** 2 * 90_000 } : {}),
          };
          ours.events.operation(event);
          reference.events.operation?.(event);
        } else {
          const event = {
            operation: STORE_OPERATIONS[Math.floor(next() * STORE_OPERATIONS.length)] ?? 'charge',
            durationMs: next() ** 4 * 4000,
            ok: next() < 0.9,
          };
          ours.events.storeCall(event);
          reference.events.storeCall?.(event);
        }
      }
      const [ourText, theirText] = [await ours.registry.metrics(), await reference.registry.metrics()];
      for (const name of [
        'tollgate_operation_estimated_cost_points',
        'tollgate_operation_actual_cost_points',
        'tollgate_redis_call_duration_seconds',
        'tollgate_operation_wait_seconds',
      ]) {
        expect(family(ourText, name), name).toBe(family(theirText, name));
        expect(family(ourText, name), name).toContain('_bucket{le="+Inf"');
      }
    }
  });
});
