import { describe, expect, it } from 'vitest';
import { combineEvents, type OperationEvent, type TollgateEvents } from '../../../src/observe/events.js';

const event: OperationEvent = {
  outcome: 'served',
  tier: 'free',
  client: 'ip:203.0.113.7',
  estimatedCost: 3,
  actualCost: 2,
};

describe('combineEvents', () => {
  it('hands each event to every observer that handles it, in order, as a method of that observer', () => {
    const seen: string[] = [];
    class Named implements TollgateEvents {
      constructor(readonly name: string) {}
      operation(received: OperationEvent) {
        expect(received).toBe(event);
        seen.push(this.name);
      }
    }
    const storeOnly: TollgateEvents = { storeCall: () => seen.push('store') };
    const combined = combineEvents(new Named('a'), storeOnly, new Named('b'), new Named('c'));
    combined.operation(event);
    combined.storeCall({ operation: 'charge', durationMs: 1, ok: true });
    // No observer handles these: they do nothing, and do not throw.
    combined.fallbackChanged({ active: true });
    combined.fieldRefused({ coordinate: 'Query.data', tier: 'free', client: 'key:abc' });
    expect(seen).toEqual(['a', 'b', 'c', 'store']);
  });

  it('calls both of two observers, and one alone', () => {
    const seen: string[] = [];
    combineEvents({ operation: (received) => seen.push(`alone ${received.outcome}`) }, {}).operation(event);
    const combined = combineEvents(
      { operation: () => seen.push('first') },
      { operation: () => seen.push('second') },
    );
    combined.operation(event);
    expect(seen).toEqual(['alone served', 'first', 'second']);
  });
});
