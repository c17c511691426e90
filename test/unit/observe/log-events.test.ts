import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { createClientRef } from '../../../src/observe/client-ref.js';
import type { OperationEvent } from '../../../src/observe/events.js';
import { createLogEvents } from '../../../src/observe/log-events.js';

const SECRET = 'a-test-secret-of-32-characters!!';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (chunk: Buffer) => lines.push(JSON.parse(chunk.toString())));
  const events = createLogEvents({ logger: createLogger({ destination }), clientRefSecret: SECRET });
  return { lines, events };
}

const event = (outcome: OperationEvent['outcome']): OperationEvent => ({
  outcome,
  tier: 'anonymous',
  client: 'ip:198.51.100.23',
  estimatedCost: 42,
  actualCost: 0,
});

describe('createLogEvents', () => {
  it('writes nothing for operations that were not refused', () => {
    const { lines, events } = capture();
    for (const outcome of ['served', 'fallback', 'dry_run'] as const) events.operation?.(event(outcome));
    expect(lines).toEqual([]);
  });

  it('writes one line per refused operation: reason, cost, tier, client reference, retry-after', () => {
    const { lines, events } = capture();
    events.operation?.({ ...event('throttled'), retryAfterSec: 4 });
    events.operation?.(event('too_expensive'));
    events.operation?.({ ...event('unavailable'), retryAfterSec: 1 });
    events.operation?.({ ...event('unauthenticated'), estimatedCost: 0 });
    const ref = createClientRef(SECRET)('ip:198.51.100.23');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, event: 'rejected', reason: 'throttled', cost: 42, retryAfter: 4 }),
      expect.objectContaining({ level: 30, event: 'rejected', reason: 'too_expensive', cost: 42 }),
      expect.objectContaining({ level: 40, event: 'rejected', reason: 'unavailable', retryAfter: 1 }),
      expect.objectContaining({ level: 30, event: 'rejected', reason: 'unauthenticated', cost: 0 }),
    ]);
    for (const line of lines) expect(line).toMatchObject({ tier: 'anonymous', client: ref });
    expect(JSON.stringify(lines)).not.toContain('198.51.100.23');
  });

  it('writes one line per refused @rateLimit invocation, naming the field', () => {
    const { lines, events } = capture();
    events.fieldRefused?.({ coordinate: 'Query.data', tier: 'free', client: 'key:0123abcd' });
    expect(lines).toEqual([
      expect.objectContaining({
        event: 'rejected',
        reason: 'field_rate_limited',
        coordinate: 'Query.data',
        tier: 'free',
        client: createClientRef(SECRET)('key:0123abcd'),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('0123abcd');
  });
});

describe('createClientRef', () => {
  it('is stable for one secret, differs between secrets and between clients, and is 64 bits of hex', () => {
    const ref = createClientRef(SECRET);
    expect(ref('ip:10.0.0.1')).toMatch(/^[0-9a-f]{16}$/);
    expect(ref('ip:10.0.0.1')).toBe(createClientRef(SECRET)('ip:10.0.0.1'));
    expect(ref('ip:10.0.0.1')).not.toBe(ref('ip:10.0.0.2'));
    expect(ref('ip:10.0.0.1')).not.toBe(createClientRef(`${SECRET}x`)('ip:10.0.0.1'));
  });

  it('uses a random secret per process when none is configured', () => {
    expect(createClientRef()('ip:10.0.0.1')).not.toBe(createClientRef()('ip:10.0.0.1'));
  });
});
