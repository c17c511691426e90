import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { BucketPolicy, ChargeRequest, LimiterStore } from '../../src/limiter/store.js';

const points = (n: number) => n * 1000;
const bucket = (capacity: number, refillPerSec: number): BucketPolicy => ({
  capacityMilli: points(capacity),
  refillMilliPerSec: points(refillPerSec),
});

/**
 * The shaping part of the store contract (waiting on a bucket in debt, concurrency slots), run by
 * `describeStoreContract` against each implementation with real (short) time.
 */
export function describeShapingContract(store: () => LimiterStore): void {
  describe('shaping', () => {
    const client = () => `test:${randomUUID()}`;

    it('admits with a wait while the debt left is one refill pays within maxWaitMs, first come first served', async () => {
      const c = client();
      // Capacity 10, 5 points/s: the 11th point is paid 200 ms later, the 20th 2 s later.
      const charge = { client: c, bucket: bucket(10, 5), costMilli: points(1), windows: [], maxWaitMs: 2000 };
      const started = performance.now();
      const results = [];
      for (let i = 0; i < 21; i++) results.push(await store().charge(charge));
      const elapsedMs = performance.now() - started;
      const firstTen = results.slice(0, 10);
      expect(firstTen.every((r) => r.allowed && r.waitMs === 0)).toBe(true);
      const waiting = results.slice(10, 20);
      expect(waiting.every((r) => r.allowed && r.refusedBy === null)).toBe(true);
      waiting.forEach((r, i) => {
        // The (i+1)-th point of debt, less what refilled while the charges were made.
        expect(r.waitMs).toBeLessThanOrEqual((i + 1) * 200);
        expect(r.waitMs).toBeGreaterThanOrEqual((i + 1) * 200 - elapsedMs - 1);
        expect(r.remainingMilli).toBe(0);
      });
      const waits = waiting.map((r) => r.waitMs);
      expect(waits).toEqual([...waits].sort((a, b) => a - b));
      // Beyond two seconds of debt: refused, taking nothing, until the debt is 200 ms shallower.
      const over = results[20];
      expect(over).toMatchObject({ allowed: false, refusedBy: 'bucket', waitMs: 0 });
      expect(over?.retryAfterMs).toBeGreaterThan(0);
      expect(over?.retryAfterMs).toBeLessThanOrEqual(200);
      const again = await store().charge(charge);
      expect(again.allowed).toBe(false);
    });

    it('refuses as before without maxWaitMs, and a refund pays a waiting charge back', async () => {
      const c = client();
      const policy = bucket(10, 5);
      await store().charge({ client: c, bucket: policy, costMilli: points(10), windows: [] });
      const refused = await store().charge({ client: c, bucket: policy, costMilli: points(5), windows: [] });
      expect(refused).toMatchObject({ allowed: false, refusedBy: 'bucket', waitMs: 0 });
      expect(refused.retryAfterMs).toBeGreaterThan(900);
      const waiting = await store().charge({
        client: c,
        bucket: policy,
        costMilli: points(8),
        windows: [],
        maxWaitMs: 2000,
      });
      expect(waiting.allowed).toBe(true);
      expect(waiting.waitMs).toBeGreaterThan(1500);
      // Given back whole (its client left): the next one waits as if it had never been charged.
      await store().refund({
        client: c,
        bucket: policy,
        refundMilli: points(8),
        reservation: waiting.reservation,
        windows: [],
      });
      const next = await store().charge({
        client: c,
        bucket: policy,
        costMilli: points(8),
        windows: [],
        maxWaitMs: 2000,
      });
      expect(next.allowed).toBe(true);
      expect(next.waitMs).toBeLessThanOrEqual(waiting.waitMs);
    });

    it('holds at most max slots; a refusal takes nothing; a refund releases the slot', async () => {
      const c = client();
      const policy = bucket(100, 0.001);
      const charge: ChargeRequest = {
        client: c,
        bucket: policy,
        costMilli: points(10),
        windows: [{ name: 'Query.data', max: 10, windowMs: 60_000, count: 1 }],
        concurrency: { max: 2, leaseMs: 60_000 },
      };
      const first = await store().charge(charge);
      const second = await store().charge(charge);
      expect([first.allowed, second.allowed]).toEqual([true, true]);
      const third = await store().charge(charge);
      expect(third).toMatchObject({ allowed: false, refusedBy: 'concurrency', waitMs: 0 });
      expect(third.windows).toEqual([{ granted: 0, retryAfterMs: 0, grantedAtMs: expect.any(Number) }]);
      expect(third.windows[0]?.grantedAtMs).toBeGreaterThan(0);
      expect(third.retryAfterMs).toBeGreaterThan(59_000);
      // Nothing taken: 20 points spent, 2 calls of the window used.
      const peek = await store().peek(c, policy);
      expect(Math.round(peek.remainingMilli / 1000)).toBe(80);
      await store().refund({
        client: c,
        bucket: policy,
        refundMilli: 0,
        reservation: first.reservation,
        windows: [],
        slot: true,
      });
      const fourth = await store().charge(charge);
      expect(fourth.allowed).toBe(true);
      expect(fourth.windows[0]?.granted).toBe(1);
      // A client without a limit, or another client, is not concerned.
      expect((await store().charge({ ...charge, concurrency: null })).allowed).toBe(true);
      expect((await store().charge({ ...charge, client: client() })).allowed).toBe(true);
    });

    it('takes exactly max slots under 100 concurrent charges', async () => {
      const c = client();
      const results = await Promise.all(
        Array.from({ length: 100 }, () =>
          store().charge({
            client: c,
            bucket: bucket(1000, 1),
            costMilli: points(1),
            windows: [],
            concurrency: { max: 3, leaseMs: 60_000 },
          }),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(3);
      expect(results.filter((r) => r.refusedBy === 'concurrency')).toHaveLength(97);
    });

    it('frees a slot that was never released once its lease ends, counted from when it may run', async () => {
      const c = client();
      const concurrency = { max: 1, leaseMs: 150 };
      const held = await store().charge({ client: c, bucket: null, costMilli: 0, windows: [], concurrency });
      expect(held.allowed).toBe(true);
      const refused = await store().charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [],
        concurrency,
      });
      expect(refused.refusedBy).toBe('concurrency');
      expect(refused.retryAfterMs).toBeLessThanOrEqual(150);
      await sleep(200);
      // A slot taken with a wait of ~300 ms is held until ~450 ms.
      const d = client();
      const policy = bucket(1, 10);
      await store().charge({ client: d, bucket: policy, costMilli: points(1), windows: [] });
      const waiting = await store().charge({
        client: d,
        bucket: policy,
        costMilli: points(3),
        windows: [],
        maxWaitMs: 1000,
        concurrency,
      });
      expect(waiting.waitMs).toBeGreaterThan(250);
      const [free, stillHeld] = await Promise.all([
        store().charge({ client: c, bucket: null, costMilli: 0, windows: [], concurrency }),
        sleep(200).then(() =>
          store().charge({ client: d, bucket: null, costMilli: 0, windows: [], concurrency }),
        ),
      ]);
      expect(free.allowed).toBe(true);
      expect(stillHeld.refusedBy).toBe('concurrency');
    });
  });
}
