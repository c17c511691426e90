import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import type { OperationEvent } from '../../../src/observe/events.js';
import { createLogEvents } from '../../../src/observe/log-events.js';
import { createMetrics, METRIC_NAMES } from '../../../src/observe/metrics.js';

const event: OperationEvent = {
  outcome: 'served',
  tier: 'free',
  client: 'key:abc',
  estimatedCost: 3,
  actualCost: 3,
};

describe('traffic shaping in metrics and logs', () => {
  it('observes waits, counts operations waiting and slots held, and concurrency refusals', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.events.waiting({ tier: 'free', delta: 1 });
    metrics.events.waiting({ tier: 'free', delta: 1 });
    metrics.events.waiting({ tier: 'free', delta: -1 });
    metrics.events.slotHeld({ tier: 'pro', delta: 1 });
    metrics.events.operation({ ...event, waitMs: 1500 });
    metrics.events.operation(event);
    metrics.events.operation({ ...event, outcome: 'concurrency_limited', actualCost: 0, retryAfterSec: 1 });
    metrics.events.operation({ ...event, outcome: 'disconnected', actualCost: 0, waitMs: 800 });
    const text = await metrics.registry.metrics();
    expect(text).toContain(`${METRIC_NAMES.waiting}{tier="free"} 1`);
    expect(text).toContain(`${METRIC_NAMES.slotsHeld}{tier="pro"} 1`);
    expect(text).toContain(`${METRIC_NAMES.waitDuration}_count{tier="free"} 2`);
    expect(text).toContain(`${METRIC_NAMES.waitDuration}_sum{tier="free"} 2.3`);
    expect(text).toContain(`${METRIC_NAMES.operations}{outcome="concurrency_limited",tier="free"} 1`);
    expect(text).toContain(`${METRIC_NAMES.operations}{outcome="disconnected",tier="free"} 1`);
    // Series start at 0 for every tier.
    expect(text).toContain(`${METRIC_NAMES.slotsHeld}{tier="anonymous"} 0`);
  });

  it('logs a concurrency refusal and a client that left while waiting as rejections', () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString())));
    const events = createLogEvents({ logger: createLogger({ destination }), clientRefSecret: null });
    events.operation?.({ ...event, outcome: 'concurrency_limited', actualCost: 0, retryAfterSec: 1 });
    events.operation?.({ ...event, outcome: 'disconnected', actualCost: 0, waitMs: 800 });
    events.operation?.({ ...event, waitMs: 200 });
    expect(lines).toMatchObject([
      { event: 'rejected', reason: 'concurrency_limited', retryAfter: 1, tier: 'free', cost: 3 },
      { event: 'rejected', reason: 'disconnected', waitMs: 800, tier: 'free', cost: 3 },
    ]);
    expect(lines).toHaveLength(2);
  });
});
