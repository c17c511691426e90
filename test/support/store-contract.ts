import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowKey } from '../../src/limiter/keys.js';
import { WINDOW_SLOTS, windowSlotMs } from '../../src/limiter/memory-window.js';
import type { BucketPolicy, ChargeResult, LimiterStore } from '../../src/limiter/store.js';
import { describeShapingContract } from './store-contract-shaping.js';

/** Reads how many keys (Redis) or entries (memory) one client still holds. */
export type ClientFootprint = (client: string) => Promise<number>;

/**
 * Reads the state of one window key (`tg:{client}:w:<name>`): its sub-window counters and, in
 * Redis, the bytes `MEMORY USAGE` reports for the key.
 */
export type WindowState = (key: string) => Promise<{ counters: number; bytes?: number }>;

const points = (n: number) => n * 1000;
const bucket = (capacity: number, refillPerSec: number): BucketPolicy => ({
  capacityMilli: points(capacity),
  refillMilliPerSec: points(refillPerSec),
});

/**
 * The contract every {@link LimiterStore} honours, run against each implementation with real
 * (short) time. Each test uses clients of its own, so a shared Redis is fine.
 */
/** What one window may cost in Redis, whatever its `max` (`MEMORY USAGE` of its key). */
const WINDOW_BYTES = 1024;

/** The time a charge's windows were counted at, which its refund names. */
const grantedAt = (charged: ChargeResult) => charged.windows[0]?.grantedAtMs ?? Number.NaN;

export function describeStoreContract(
  name: string,
  setup: () => Promise<{ store: LimiterStore; footprint: ClientFootprint; windowState: WindowState }>,
  teardown: () => Promise<void> = async () => {},
): void {
  describe(`LimiterStore contract: ${name}`, () => {
    let store: LimiterStore;
    let footprint: ClientFootprint;
    let windowState: WindowState;
    const client = () => `test:${randomUUID()}`;

    beforeAll(async () => {
      ({ store, footprint, windowState } = await setup());
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
      expect(result.windows).toEqual([
        { granted: 5, retryAfterMs: expect.any(Number), grantedAtMs: expect.any(Number) },
      ]);
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
      expect(refused.windows).toMatchObject([{ granted: 0, retryAfterMs: 0 }]);
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
      // 200 ms by the clock after the first call answered, not by a timer: Node's timers may fire a
      // millisecond early against Date.now(), which left the first call 201 ms from leaving.
      const firstAnswered = Date.now();
      while (Date.now() < firstAnswered + 200) await sleep(firstAnswered + 200 - Date.now());
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
        windows: [{ name: 'Query.data', granted: 5, used: 2, grantedAtMs: grantedAt(charged) }],
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
      ).toMatchObject([{ granted: 0, retryAfterMs: 0 }]);
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
        windows: [{ name: 'Mutation.login', owner, granted: 2, used: 1, grantedAtMs: grantedAt(first) }],
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
      // What costs nothing (introspection, a look at the bucket) is admitted at once, debt or not.
      const free = await store.charge({
        client: c,
        bucket: policy,
        costMilli: 0,
        windows: [],
        maxWaitMs: 2000,
      });
      expect(free).toMatchObject({ allowed: true, waitMs: 0, remainingMilli: 0 });
    });

    it('settles calls at the times they were made, beyond max', async () => {
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
              { ageMs: 5000, count: 1 },
              { ageMs: 600, count: 1 },
              { ageMs: 100, count: 2 },
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
      // Three calls in a window of two (the one made 5 s ago left it): full until two have left,
      // the one of 600 ms ago and one of 100 ms ago.
      expect(full.windows[0]?.granted).toBe(0);
      expect(full.windows[0]?.retryAfterMs).toBeGreaterThan(800);
      expect(full.windows[0]?.retryAfterMs).toBeLessThanOrEqual(900);
    });

    it('settles calls of a window with a large max into its sub-windows, where they count', async () => {
      const c = client();
      const window = { name: 'Query.data', max: 1000, windowMs: 64_000 };
      await store.settle({
        client: c,
        bucket: null,
        debtMilli: 0,
        windows: [
          {
            ...window,
            calls: [
              { ageMs: 70_000, count: 500 },
              { ageMs: 30_000, count: 1200 },
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
      // 1200 in a window of 1000 (the 500 left it): none until they leave, 34 s on, or at most
      // one sub-window (1 s) later.
      expect(full.windows[0]?.granted).toBe(0);
      expect(full.windows[0]?.retryAfterMs).toBeGreaterThan(33_000);
      expect(full.windows[0]?.retryAfterMs).toBeLessThanOrEqual(35_000);
    });

    it('never admits more than max in any span of the window, across sub-window boundaries, under concurrent charges', async () => {
      const c = client();
      // Beyond 64 calls a window counts per sub-window: 64 of 10 ms here. Four callers at once
      // ask far more than the window holds for three windows' time, crossing ~200 boundaries.
      const window = { name: 'Query.data', max: 100, windowMs: 640 };
      const slotMs = windowSlotMs(window.max, window.windowMs);
      expect(slotMs).toBe(10);
      const grants: Array<{ atMs: number; granted: number; asked: number }> = [];
      const until = Date.now() + 3 * window.windowMs;
      await Promise.all(
        Array.from({ length: 4 }, async (_, caller) => {
          for (let n = 0; Date.now() < until; n++) {
            const asked = 1 + ((n + caller) % 5);
            const result = await store.charge({
              client: c,
              bucket: null,
              costMilli: 0,
              windows: [{ ...window, count: asked }],
            });
            const grant = result.windows[0];
            grants.push({ atMs: grant?.grantedAtMs ?? Number.NaN, granted: grant?.granted ?? 0, asked });
            await sleep(n % 7);
          }
        }),
      );
      // On the store's own clock: what was granted in the half-open span (from, to].
      const grantedIn = (from: number, to: number) =>
        grants.reduce((sum, g) => (g.atMs > from && g.atMs <= to ? sum + g.granted : sum), 0);
      const refusals = grants.filter((g) => g.granted < g.asked);
      expect(refusals.length).toBeGreaterThan(10);
      // The window slid: it admitted again as calls left it.
      expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBeGreaterThanOrEqual(2 * window.max);
      for (const g of grants) {
        // Strict: no span of the window's length holds more than max.
        expect(grantedIn(g.atMs - window.windowMs, g.atMs)).toBeLessThanOrEqual(window.max);
      }
      for (const g of refusals) {
        // Early by at most one sub-window: a refusal means the window's length and one
        // sub-window less a millisecond, ending then, was full.
        expect(grantedIn(g.atMs - window.windowMs - slotMs + 1, g.atMs)).toBeGreaterThanOrEqual(window.max);
      }
    });

    it('returns unused grants of a window with a large max, and nothing once their sub-window has left', async () => {
      const c = client();
      const window = { name: 'Query.data', max: 100, windowMs: 640 };
      const take = (count: number) =>
        store.charge({ client: c, bucket: null, costMilli: 0, windows: [{ ...window, count }] });
      const giveBack = (charged: ChargeResult, granted: number, used: number) =>
        store.refund({
          client: c,
          bucket: null,
          refundMilli: 0,
          reservation: charged.reservation,
          windows: [{ name: window.name, granted, used, grantedAtMs: grantedAt(charged) }],
        });
      const first = await take(100);
      expect(first.windows[0]?.granted).toBe(100);
      await giveBack(first, 100, 60);
      expect((await take(50)).windows[0]?.granted).toBe(40);
      // Once the first charge's sub-window has left, its refund has nothing to give back: the
      // calls that fill the window now are other calls.
      await sleep(window.windowMs + 4 * windowSlotMs(window.max, window.windowMs));
      expect((await take(100)).windows[0]?.granted).toBe(100);
      await giveBack(first, 100, 0);
      expect((await take(1)).windows[0]?.granted).toBe(0);
    });

    it('keeps a window of max 10,000 a day to a few hundred bytes after 10,000 calls', async () => {
      const c = client();
      const window = { name: 'Query.search', max: 10_000, windowMs: 86_400_000 };
      let granted = 0;
      for (let i = 0; i < 200; i++) {
        const result = await store.charge({
          client: c,
          bucket: null,
          costMilli: 0,
          windows: [{ ...window, count: 50 }],
        });
        granted += result.windows[0]?.granted ?? 0;
      }
      expect(granted).toBe(10_000);
      const refused = await store.charge({
        client: c,
        bucket: null,
        costMilli: 0,
        windows: [{ ...window, count: 1 }],
      });
      expect(refused.windows[0]?.granted).toBe(0);
      const state = await windowState(windowKey(c, window.name));
      expect(state.counters).toBeGreaterThan(0);
      expect(state.counters).toBeLessThanOrEqual(WINDOW_SLOTS + 1);
      if (state.bytes !== undefined) expect(state.bytes).toBeLessThanOrEqual(WINDOW_BYTES);
    });

    it('holds at most 65 counters (≤ 1 KB in Redis) per window, whatever its max and however its calls spread', async () => {
      const c = client();
      // Calls in every one of the 64 sub-windows of 20 ms: settled ones, then charged ones.
      const window = { name: 'Query.search', max: 1_000_000_000, windowMs: 1280 };
      await store.settle({
        client: c,
        bucket: null,
        debtMilli: 0,
        windows: [
          {
            ...window,
            calls: Array.from({ length: 200 }, (_, i) => ({ ageMs: i * 7, count: 1000 })),
          },
        ],
      });
      const until = Date.now() + 2 * window.windowMs;
      let most = 0;
      while (Date.now() < until) {
        await store.charge({ client: c, bucket: null, costMilli: 0, windows: [{ ...window, count: 1000 }] });
        const state = await windowState(windowKey(c, window.name));
        most = Math.max(most, state.counters);
        if (state.bytes !== undefined) expect(state.bytes).toBeLessThanOrEqual(WINDOW_BYTES);
        await sleep(3);
      }
      expect(most).toBeGreaterThan(WINDOW_SLOTS / 2);
      expect(most).toBeLessThanOrEqual(WINDOW_SLOTS + 1);
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
