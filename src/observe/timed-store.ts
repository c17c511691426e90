import { performance } from 'node:perf_hooks';
import type { LimiterStore } from '../limiter/store.js';
import type { StoreOperation, TollgateEvents } from './events.js';

/**
 * Wraps a store so that every call to it is reported as a `storeCall` event (duration, success).
 * A stopgap for the Redis latency metric: a store that times its own backend calls (the resilient
 * store's `onCall`) makes this wrapper unnecessary, and using both would count calls twice.
 */
export function timedStore(store: LimiterStore, events: Pick<TollgateEvents, 'storeCall'>): LimiterStore {
  const timed = async <T>(operation: StoreOperation, call: () => Promise<T>): Promise<T> => {
    const startedAt = performance.now();
    let ok = false;
    try {
      const result = await call();
      ok = true;
      return result;
    } finally {
      events.storeCall?.({ operation, durationMs: performance.now() - startedAt, ok });
    }
  };
  return {
    kind: store.kind,
    charge: (request) => timed('charge', () => store.charge(request)),
    refund: (request) => timed('refund', () => store.refund(request)),
    peek: (client, bucket) => timed('peek', () => store.peek(client, bucket)),
    ping: () => timed('ping', () => store.ping()),
    close: () => store.close(),
  };
}
