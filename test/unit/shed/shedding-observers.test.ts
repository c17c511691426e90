import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createClientRef } from '../../../src/observe/client-ref.js';
import { createLogEvents } from '../../../src/observe/log-events.js';
import { createMetrics, METRIC_NAMES } from '../../../src/observe/metrics.js';

const SECRET = 'a-test-secret-of-32-characters!!';

async function value(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string> = {},
) {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((sample) =>
    Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted),
  )?.value;
}

describe('load shedding in the metrics', () => {
  it('counts shed requests by tier, prices none of them', async () => {
    const metrics = createMetrics({ processMetrics: false, loadShedding: true });
    metrics.events.operation({
      outcome: 'shed',
      tier: 'anonymous',
      client: 'ip:203.0.113.7',
      estimatedCost: 0,
      actualCost: 0,
      retryAfterSec: 2,
    });
    expect(await value(metrics, METRIC_NAMES.operations, { outcome: 'shed', tier: 'anonymous' })).toBe(1);
    expect(await value(metrics, METRIC_NAMES.operations, { outcome: 'shed', tier: 'pro' })).toBe(0);
    const count = (await metrics.registry.getSingleMetric(METRIC_NAMES.estimatedCost)?.get())?.values.find(
      (sample) =>
        (sample as { metricName?: string }).metricName?.endsWith('_count') &&
        sample.labels.tier === 'anonymous',
    );
    expect(count?.value).toBe(0);
  });

  it('shows the level and the load it was decided on', async () => {
    const metrics = createMetrics({ processMetrics: false, loadShedding: true });
    expect(await value(metrics, METRIC_NAMES.sheddingLevel)).toBe(0);
    metrics.events.loadSampled({ level: 1, inFlight: 12, eventLoopDelayMs: 75 });
    expect(await value(metrics, METRIC_NAMES.sheddingLevel)).toBe(1);
    expect(await value(metrics, METRIC_NAMES.operationsInFlight)).toBe(12);
    expect(await value(metrics, METRIC_NAMES.eventLoopDelay)).toBe(0.075);
    metrics.events.sheddingChanged({
      level: 2,
      previousLevel: 1,
      shedTiers: ['anonymous', 'free'],
      inFlight: 25,
      eventLoopDelayMs: 75,
    });
    expect(await value(metrics, METRIC_NAMES.sheddingLevel)).toBe(2);
  });

  it('exports no shedding gauges while shedding is off', () => {
    const metrics = createMetrics({ processMetrics: false });
    for (const name of [
      METRIC_NAMES.sheddingLevel,
      METRIC_NAMES.operationsInFlight,
      METRIC_NAMES.eventLoopDelay,
    ]) {
      expect(metrics.registry.getSingleMetric(name), name).toBeUndefined();
    }
  });
});

describe('load shedding in the logs', () => {
  function capture() {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString())));
    const events = createLogEvents({ logger: createLogger({ destination }), clientRefSecret: SECRET });
    return { lines, events };
  }

  it('writes a rejection line per shed request, with its tier, client reference and retry-after', () => {
    const { lines, events } = capture();
    events.operation?.({
      outcome: 'shed',
      tier: 'anonymous',
      client: 'ip:198.51.100.23',
      estimatedCost: 0,
      actualCost: 0,
      retryAfterSec: 2,
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        event: 'rejected',
        reason: 'shed',
        cost: 0,
        tier: 'anonymous',
        client: createClientRef(SECRET)('ip:198.51.100.23'),
        retryAfter: 2,
      }),
    ]);
  });

  it('writes one line per change of level: a warning as it sheds more, news as it sheds less', () => {
    const { lines, events } = capture();
    const load = { inFlight: 20, eventLoopDelayMs: 12.4 };
    events.sheddingChanged?.({ ...load, level: 1, previousLevel: 0, shedTiers: ['anonymous'] });
    events.sheddingChanged?.({ ...load, level: 2, previousLevel: 1, shedTiers: ['anonymous', 'free'] });
    events.sheddingChanged?.({ ...load, level: 1, previousLevel: 2, shedTiers: ['anonymous'] });
    events.sheddingChanged?.({ ...load, level: 0, previousLevel: 1, shedTiers: [] });
    expect(lines.map(({ level, event, msg, shedTiers }) => ({ level, event, msg, shedTiers }))).toEqual([
      { level: 40, event: 'shedding', msg: 'load shedding: shedding anonymous', shedTiers: ['anonymous'] },
      {
        level: 40,
        event: 'shedding',
        msg: 'load shedding: shedding anonymous, free',
        shedTiers: ['anonymous', 'free'],
      },
      {
        level: 30,
        event: 'shedding',
        msg: 'load shedding eased: shedding anonymous',
        shedTiers: ['anonymous'],
      },
      { level: 30, event: 'shedding', msg: 'load shedding stopped', shedTiers: [] },
    ]);
    expect(lines[0]).toMatchObject({
      sheddingLevel: 1,
      previousSheddingLevel: 0,
      inFlight: 20,
      eventLoopDelayMs: 12,
    });
  });
});
