import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { type OperationEvent, REJECTED_OUTCOMES } from '../../../src/observe/events.js';
import { createMetrics, METRIC_NAMES } from '../../../src/observe/metrics.js';

const served: OperationEvent = {
  outcome: 'served',
  tier: 'free',
  client: 'ip:203.0.113.7',
  estimatedCost: 20,
  actualCost: 17,
};

async function sampleValue(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string> = {},
  sampleName = name,
): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  const { values } = (await metric?.get()) ?? { values: [] };
  return values.find(
    (value) =>
      ((value as { metricName?: string }).metricName ?? name) === sampleName &&
      Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  )?.value;
}

describe('createMetrics', () => {
  it('counts operations by outcome and tier, and observes their costs', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.events.operation(served);
    metrics.events.operation({ ...served, outcome: 'throttled', actualCost: 0, retryAfterSec: 3 });
    expect(await sampleValue(metrics, METRIC_NAMES.operations, { outcome: 'served', tier: 'free' })).toBe(1);
    expect(await sampleValue(metrics, METRIC_NAMES.operations, { outcome: 'throttled', tier: 'free' })).toBe(
      1,
    );
    const estimated = METRIC_NAMES.estimatedCost;
    expect(await sampleValue(metrics, estimated, { tier: 'free' }, `${estimated}_sum`)).toBe(40);
    // Only what ran has an actual cost.
    const actual = METRIC_NAMES.actualCost;
    expect(await sampleValue(metrics, actual, { tier: 'free' }, `${actual}_count`)).toBe(1);
    expect(await sampleValue(metrics, actual, { tier: 'free' }, `${actual}_sum`)).toBe(17);
  });

  it('counts served operations as fallback while the fallback limiter is active, and shows it in a gauge', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.events.fallbackChanged({ active: true });
    metrics.events.operation(served);
    expect(await sampleValue(metrics, METRIC_NAMES.fallbackActive)).toBe(1);
    expect(await sampleValue(metrics, METRIC_NAMES.operations, { outcome: 'fallback', tier: 'free' })).toBe(
      1,
    );
    expect(await sampleValue(metrics, METRIC_NAMES.operations, { outcome: 'served', tier: 'free' })).toBe(0);
    metrics.events.fallbackChanged({ active: false });
    metrics.events.operation(served);
    expect(await sampleValue(metrics, METRIC_NAMES.fallbackActive)).toBe(0);
    expect(await sampleValue(metrics, METRIC_NAMES.operations, { outcome: 'served', tier: 'free' })).toBe(1);
  });

  it('counts unauthenticated refusals without a cost observation', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.events.operation({ ...served, outcome: 'unauthenticated', tier: 'anonymous', estimatedCost: 0 });
    const labels = { outcome: 'unauthenticated', tier: 'anonymous' };
    expect(await sampleValue(metrics, METRIC_NAMES.operations, labels)).toBe(1);
    const estimated = METRIC_NAMES.estimatedCost;
    expect(await sampleValue(metrics, estimated, { tier: 'anonymous' }, `${estimated}_count`)).toBe(0);
    expect(REJECTED_OUTCOMES.has('unauthenticated')).toBe(true);
  });

  it('counts field rejections by coordinate, from 0 for the coordinates it was given', async () => {
    const metrics = createMetrics({ coordinates: ['Query.data'], processMetrics: false });
    const labels = { coordinate: 'Query.data', tier: 'pro' };
    expect(await sampleValue(metrics, METRIC_NAMES.fieldRejections, labels)).toBe(0);
    metrics.events.fieldRefused({ coordinate: 'Query.data', tier: 'pro', client: 'key:abc' });
    expect(await sampleValue(metrics, METRIC_NAMES.fieldRejections, labels)).toBe(1);
  });

  it('observes store calls in seconds, by operation and result', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.events.storeCall({ operation: 'charge', durationMs: 2, ok: true });
    metrics.events.storeCall({ operation: 'charge', durationMs: 100, ok: false });
    const name = METRIC_NAMES.redisCallDuration;
    expect(await sampleValue(metrics, name, { operation: 'charge', result: 'ok' }, `${name}_sum`)).toBe(
      0.002,
    );
    expect(await sampleValue(metrics, name, { operation: 'charge', result: 'error' }, `${name}_sum`)).toBe(
      0.1,
    );
    expect(
      await sampleValue(metrics, name, { operation: 'charge', result: 'ok', le: '0.0025' }, `${name}_bucket`),
    ).toBe(1);
  });

  it('keeps each server apart: its own registry, never the global one', async () => {
    const one = createMetrics({ processMetrics: true });
    const other = createMetrics({ processMetrics: true });
    one.events.operation(served);
    expect(await sampleValue(one, METRIC_NAMES.operations, { outcome: 'served', tier: 'free' })).toBe(1);
    expect(await sampleValue(other, METRIC_NAMES.operations, { outcome: 'served', tier: 'free' })).toBe(0);
    expect(register.getSingleMetric(METRIC_NAMES.operations)).toBeUndefined();
  });
});
