import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketPolicy, LimiterStore } from '../../src/limiter/store.js';
import { describeShapingContract } from './store-contract-shaping.js';

/** Reads how many keys (Redis) or entries (memory) one client still holds. */
export type ClientFootprint = (client: string) => Promise<number>;

const points = (n: number) => n * 1000;
const bucket = (capacity: number, refillPerSec: number): BucketPolicy => ({
  capacityMilli: points(capacity),
  refillMilliPerSec: points(refillPerSec),
});

/**
 * The contract every {@link LimiterStore} honours, run against each implementation with real
 * (short) time. Each test uses clients of its own, so a shared Redis is fine.
 */
export function describeStoreContract(
  name: string,
  setup: () => Promise<{ store: LimiterStore; footprint: ClientFootprint }>,
  teardown: () => Promise<void> = async () => {},
): void {
  describe(`LimiterStore contract: ${name}`, () => {
    let store: LimiterStore;
    let footprint: ClientFootprint;
    const client = () => `test:${randomUUID()}`;

    beforeAll(async () => {
      ({ store, footprint } = await setup());
    });
    afterAll(async () => {
      await store.close();
      await teardown();
    });

    it('takes the cost from a full bucket and refuses what it cannot hold, taking nothing', async () => {
      const c = client();
      const first = await store.charge({
        client: c,
        bucket: bucket(100, 10),
        costMilli: points(60),
        windows: [],
      });
      expect(first).toMatchObject({ allowed: true, remainingMilli: points(40), retryAfterMs: 0 });
      const second = await store.charge({
        client: c,
        bucket: bucket(100, 10),
        costMilli: points(60),
        windows: [],
      });
      expect(second.allowed).toBe(false);
      // 20 points short at 10 points/s: two seconds, less what refilled in between.
      expect(second.retryAfterMs).toBeGreaterThan(1900);
      expect(second.retryAfterMs).toBeLessThanOrEqual(2000);
      const peek = await store.peek(c, bucket(100, 10));
      expect(peek.remainingMilli).toBeGreaterThanOrEqual(points(40));
      expect(peek.remainingMilli).toBeLessThan(points(41));
    });

    it('refills continuously at the configured rate', async () => {
      const c = client();
      const policy = bucket(10, 100);
      await store.charge({ client: c, bucket: policy, costMilli: points(10), windows: [] });
      await sleep(50);
      const { remainingMilli } = await store.peek(c, policy);
      // 50 ms at 100 points/s is 5 points; never more than capacity. A timer can fire up to a
      // millisecond early (the event loop's clock is cached per turn): at least 49 ms of refill.
      expect(remainingMilli).toBeGreaterThanOrEqual(points(4.9));
      expect(remainingMilli).toBeLessThanOrEqual(points(10));
    });

    it('gives refunds back without rising above capacity', async () => {
      const c = client();
      const policy = bucket(100, 1);
      await store.charge({ client: c, bucket: policy, costMilli: points(50), windows: [] });
      await store.refund({
        client: c,
        bucket: policy,
        refundMilli: points(45),
        reservation: 'x',
        windows: [],
      });
      const afterRefund = await store.peek(c, policy);
      expect(afterRefund.remainingMilli).toBeGreaterThanOrEqual(points(95));
      expect(afterRefund.remainingMilli).toBeLessThan(points(96));
      await store.refund({
        client: c,
        bucket: policy,
        refundMilli: points(500),
        reservation: 'y',
        windows: [],
      });
      expect((await store.peek(c, policy)).remainingMilli).toBe(points(100));
    });

    it('grants at most max calls of a window and says when the next is served', async () => {
      const c = client();
      const data = { name: 'Query.data', max: 5, windowMs: 60_000, count: 6 };
      const result = await store.charge({ client: c, bucket: null, costMilli: 0, windows: [data] });
      expect(result.windows).toEqual([{ granted: 5, retryAfterMs: expect.any(Number) }]);
      expect(result.windows[0]?.retryAfterMs).toBeGreaterThan(59_000);
      expect(result.windows[0]?.retryAfterMs).toBeLessThanOrEqual(60_000);
      const again = await store.charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [{ ...data, count: 1 }],
      });
      expect(again.windows[0]?.granted).toBe(0);
    });

    it('keeps windows of different fields and clients apart', async () => {
      const [a, b] = [client(), client()];
      const take = (c: string, field: string) =>
        store.charge({
          client: c,
          bucket: null,
          costMilli: 0,
          windows: [{ name: field, max: 1, windowMs: 60_000, count: 1 }],
        });
      expect((await take(a, 'Query.data')).windows[0]?.granted).toBe(1);
      expect((await take(a, 'Query.other')).windows[0]?.granted).toBe(1);
      expect((await take(b, 'Query.data')).windows[0]?.granted).toBe(1);
      expect((await take(a, 'Query.data')).windows[0]?.granted).toBe(0);
    });

    it('touches no window when the bucket refuses the cost', async () => {
      const c = client();
      const window = { name: 'Query.data', max: 5, windowMs: 60_000, count: 1 };
      const refused = await store.charge({
        client: c,
        bucket: bucket(10, 1),
        costMilli: points(11),
        windows: [window],
      });
      expect(refused.allowed).toBe(false);
      expect(refused.windows).toEqual([{ granted: 0, retryAfterMs: 0 }]);
      const served = await store.charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [{ ...window, count: 5 }],
      });
      expect(served.windows[0]?.granted).toBe(5);
    });

    it('slides: a call counts for exactly one window after it was made', async () => {
      const c = client();
      const take = () =>
        store.charge({
          client: c,
          bucket: null,
          costMilli: 0,
          windows: [{ name: 'Query.data', max: 2, windowMs: 400, count: 1 }],
        });
      expect((await take()).windows[0]?.granted).toBe(1);
      await sleep(200);
      expect((await take()).windows[0]?.granted).toBe(1);
      const full = await take();
      expect(full.windows[0]?.granted).toBe(0);
      // The first call leaves the window about 200 ms from now; the second one stays in it.
      expect(full.windows[0]?.retryAfterMs).toBeGreaterThan(100);
      expect(full.windows[0]?.retryAfterMs).toBeLessThanOrEqual(200);
      await sleep((full.windows[0]?.retryAfterMs ?? 0) + 20);
      expect((await take()).windows[0]?.granted).toBe(1);
      expect((await take()).windows[0]?.granted).toBe(0);
    });

    it('returns unused grants to the window', async () => {
      const c = client();
      const window = { name: 'Query.data', max: 5, windowMs: 60_000, count: 5 };
      const charged = await store.charge({ client: c, bucket: null, costMilli: 0, windows: [window] });
      expect(charged.windows[0]?.granted).toBe(5);
      await store.refund({
        client: c,
        bucket: null,
        refundMilli: 0,
        reservation: charged.reservation,
        windows: [{ name: 'Query.data', granted: 5, used: 2 }],
      });
      const next = await store.charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [{ ...window, count: 4 }],
      });
      expect(next.windows[0]?.granted).toBe(3);
    });

    it('grants exactly max under 200 concurrent charges', async () => {
      const c = client();
      const results = await Promise.all(
        Array.from({ length: 200 }, () =>
          store.charge({
            client: c,
            bucket: bucket(1000, 1),
            costMilli: points(1),
            windows: [{ name: 'Query.data', max: 5, windowMs: 60_000, count: 1 }],
          }),
        ),
      );
      expect(results.reduce((sum, r) => sum + (r.windows[0]?.granted ?? 0), 0)).toBe(5);
      expect(results.filter((r) => r.allowed)).toHaveLength(200);
    });

    it('admits exactly the capacity of a bucket under concurrent charges', async () => {
      const c = client();
      const results = await Promise.all(
        Array.from({ length: 100 }, () =>
          store.charge({ client: c, bucket: bucket(50, 0.001), costMilli: points(3), windows: [] }),
        ),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(16);
    });

    it('only looks when asked for 0 calls: says whether the window is full, takes nothing', async () => {
      const c = client();
      const look = { name: 'Query.data', max: 2, windowMs: 60_000, count: 0 };
      expect(
        (await store.charge({ client: c, bucket: null, costMilli: 0, windows: [look] })).windows,
      ).toEqual([{ granted: 0, retryAfterMs: 0 }]);
      await store.charge({ client: c, bucket: null, costMilli: 0, windows: [{ ...look, count: 2 }] });
      const full = await store.charge({ client: c, bucket: null, costMilli: 0, windows: [look] });
      expect(full.windows[0]?.granted).toBe(0);
      expect(full.windows[0]?.retryAfterMs).toBeGreaterThan(59_000);
    });

    it('shares a window between clients when it has an owner of its own', async () => {
      const owner = `shared:${randomUUID()}`;
      const login = { name: 'Mutation.login', max: 3, windowMs: 60_000, count: 2, owner };
      const policy = bucket(100, 1);
      const first = await store.charge({
        client: client(),
        bucket: policy,
        costMilli: points(1),
        windows: [login],
      });
      const second = await store.charge({
        client: client(),
        bucket: policy,
        costMilli: points(1),
        windows: [login],
      });
      expect([first.windows[0]?.granted, second.windows[0]?.granted]).toEqual([2, 1]);
      await store.refund({
        client: 'someone-else',
        bucket: null,
        refundMilli: 0,
        reservation: first.reservation,
        windows: [{ name: 'Mutation.login', owner, granted: 2, used: 1 }],
      });
      const third = await store.charge({ client: client(), bucket: null, costMilli: 0, windows: [login] });
      expect(third.windows[0]?.granted).toBe(1);
    });

    it('settles a debt: the bucket goes below zero (at most one capacity) and refuses until refilled', async () => {
      const c = client();
      const policy = bucket(100, 10);
      await store.settle({ client: c, bucket: policy, debtMilli: points(130), windows: [] });
      const refused = await store.charge({ client: c, bucket: policy, costMilli: points(10), windows: [] });
      // 30 points of debt, 10 wanted, at 10 points/s: four seconds.
      expect(refused).toMatchObject({ allowed: false, remainingMilli: 0 });
      expect(refused.retryAfterMs).toBeGreaterThan(3900);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(4000);
      // More debt than one capacity stops at minus one capacity: 100 + 10 points, eleven seconds.
      await store.settle({ client: c, bucket: policy, debtMilli: points(1000), windows: [] });
      const deeper = await store.charge({ client: c, bucket: policy, costMilli: points(10), windows: [] });
      expect(deeper.retryAfterMs).toBeGreaterThan(10_900);
      expect(deeper.retryAfterMs).toBeLessThanOrEqual(11_000);
      expect(deeper.fullAfterMs).toBeGreaterThan(19_900);
    });

    it('settles calls at the times they were made, beyond max, and a refund can still give one back', async () => {
      const c = client();
      const window = { name: 'Query.data', max: 2, windowMs: 1000 };
      await store.settle({
        client: c,
        bucket: null,
        debtMilli: 0,
        windows: [
          {
            ...window,
            calls: [
              { ageMs: 5000, member: 'gone:0' },
              { ageMs: 600, member: 'r1:0' },
              { ageMs: 100, member: 'r2:0' },
              { ageMs: 100, member: 'r2:1' },
            ],
          },
        ],
      });
      const full = await store.charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [{ ...window, count: 1 }],
      });
      // Three calls in a window of two (the one made 5 s ago left it): full until the oldest leaves.
      expect(full.windows[0]?.granted).toBe(0);
      expect(full.windows[0]?.retryAfterMs).toBeGreaterThan(300);
      expect(full.windows[0]?.retryAfterMs).toBeLessThanOrEqual(400);
      await store.refund({
        client: c,
        bucket: null,
        refundMilli: 0,
        reservation: 'r2',
        windows: [{ name: 'Query.data', granted: 2, used: 0 }],
      });
      const after = await store.charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [{ ...window, count: 2 }],
      });
      expect(after.windows[0]?.granted).toBe(1);
    });

    it('leaves nothing behind once the window has passed and the bucket is full again', async () => {
      const c = client();
      await store.charge({
        client: c,
        bucket: bucket(10, 100),
        costMilli: points(5),
        windows: [{ name: 'Query.data', max: 5, windowMs: 300, count: 2 }],
      });
      expect(await footprint(c)).toBe(2);
      await sleep(400);
      expect(await footprint(c)).toBe(0);
    });

    describeShapingContract(() => store);
  });
}
