import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChargeRequest } from '../../../src/limiter/store.js';
import { closeStores, policy, setup } from './misbehaving-store.js';

afterEach(closeStores);

const limited = (client = 'c'): ChargeRequest => ({
  client,
  bucket: policy,
  costMilli: 1000,
  windows: [],
  concurrency: { max: 2, leaseMs: 60_000 },
});

describe('ResilientStore: concurrency slots when the primary fails', () => {
  it('open: the fallback holds the limit in this process, and the refund releases its slot there', async () => {
    const { primary, store } = setup();
    primary.mode = 'fail';
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await store.charge(limited()));
    expect(results.map((result) => result.refusedBy)).toEqual([null, null, 'concurrency']);
    expect(results.every((result) => result.reservation.startsWith('f.'))).toBe(true);
    await store.refund({
      client: 'c',
      bucket: policy,
      refundMilli: 0,
      reservation: results[0]?.reservation ?? '',
      windows: [],
      slot: true,
    });
    expect((await store.charge(limited())).allowed).toBe(true);
  });

  it('gives back the slot of a charge the primary made after its deadline', async () => {
    const { primary, store, logs } = setup();
    primary.mode = 'late';
    const result = await store.charge(limited());
    expect(result.reservation.startsWith('f.')).toBe(true);
    primary.mode = 'ok';
    primary.release();
    await vi.waitFor(() =>
      expect(logs.some((line) => line.msg === 'gave back a charge that answered late')).toBe(true),
    );
    // The late charge took a slot in the primary, and it was released: none is held there.
    expect([...primary.inner.keys()].filter((key) => key.endsWith(':inflight'))).toEqual([]);
  });
});
