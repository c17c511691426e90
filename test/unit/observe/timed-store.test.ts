import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/limiter/memory-store.js';
import type { LimiterStore } from '../../../src/limiter/store.js';
import type { StoreCallEvent } from '../../../src/observe/events.js';
import { timedStore } from '../../../src/observe/timed-store.js';

describe('timedStore', () => {
  it('reports every call with its operation, duration and success, and passes results through', async () => {
    const calls: StoreCallEvent[] = [];
    const store = timedStore(new MemoryStore(), { storeCall: (event) => calls.push(event) });
    const bucket = { capacityMilli: 10_000, refillMilliPerSec: 1000 };
    const result = await store.charge({ client: 'ip:1', bucket, costMilli: 3000, windows: [] });
    expect(result).toMatchObject({ allowed: true, remainingMilli: 7000 });
    await store.peek('ip:1', bucket);
    await store.ping();
    expect(calls.map(({ operation, ok }) => [operation, ok])).toEqual([
      ['charge', true],
      ['peek', true],
      ['ping', true],
    ]);
    for (const call of calls) expect(call.durationMs).toBeGreaterThanOrEqual(0);
    await store.close();
  });

  it('reports a failed call as not ok and still rejects', async () => {
    const calls: StoreCallEvent[] = [];
    const broken = {
      kind: 'redis',
      ping: () => Promise.reject(new Error('ECONNREFUSED')),
    } as unknown as LimiterStore;
    await expect(timedStore(broken, { storeCall: (event) => calls.push(event) }).ping()).rejects.toThrow(
      'ECONNREFUSED',
    );
    expect(calls).toEqual([expect.objectContaining({ operation: 'ping', ok: false })]);
  });
});
