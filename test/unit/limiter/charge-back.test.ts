import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { charge, closeStores, dataWindow, grantedAt, nudge, policy, setup } from './misbehaving-store.js';

afterEach(closeStores);

describe('ResilientStore: what the fallback admitted is charged back', () => {
  it('charges the outage’s spending to the primary when it is back: points as debt, calls at their times', async () => {
    const { primary, store, backLines } = setup({ cooldownMs: 30 });
    primary.mode = 'fail';
    // A bucket of 100 points holds two 40-point operations: the fallback admits two of four.
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await charge(store, 'c', 40_000));
    expect(results.map((result) => result.allowed)).toEqual([true, true, false, false]);
    primary.mode = 'ok';
    await sleep(35);
    await nudge(store);
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    expect(backLines()[0]).toMatchObject({ chargedBack: 1, decidedInProcess: 2 });
    // The primary never saw those operations, and now counts them: 100 − 80 points, 2 calls of 5.
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(20_000);
    const look = await primary.inner.charge({
      client: 'c',
      bucket: null,
      costMilli: 0,
      windows: [{ ...dataWindow, count: 5 }],
    });
    expect(look.windows[0]?.granted).toBe(3);
  });

  it('finds the node back by charging it what it is owed: no charge reaches it before', async () => {
    const { primary, store, backLines } = setup({ cooldownMs: 30 });
    primary.mode = 'fail';
    for (let i = 0; i < 5; i++) await charge(store, 'c');
    primary.mode = 'ok';
    await sleep(35);
    // A burst from the same client as the node comes back: the first starts the probe.
    const burst = await Promise.all(Array.from({ length: 5 }, () => charge(store, 'c')));
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    for (let i = 0; i < 5; i++) await charge(store, 'c');
    expect(primary.done[0]).toBe('settle');
    // 5 calls of `data` a minute, whichever store granted them: never 6.
    const granted = [...burst].reduce((sum, result) => sum + (result.windows[0]?.granted ?? 0), 0);
    expect(granted).toBe(0);
    expect(primary.done.filter((operation) => operation === 'charge')).toHaveLength(5);
  });

  it('sends a hung node one client’s charge-back per probe, not all it is owed', async () => {
    const { primary, store } = setup({ cooldownMs: 30 });
    primary.mode = 'hang';
    for (let i = 0; i < 8; i++) await charge(store, `c${i}`);
    const atOutage = primary.calls;
    for (let probe = 0; probe < 2; probe++) {
      await sleep(35);
      await nudge(store);
      await sleep(40);
    }
    expect(primary.calls - atOutage).toBe(2);
  });

  it('goes into debt rather than refusing what the fallback admitted', async () => {
    const { primary, store, backLines } = setup({ cooldownMs: 30 });
    // The client spent its bucket in the primary before the outage.
    expect((await charge(store, 'c', 100_000)).allowed).toBe(true);
    primary.mode = 'fail';
    for (let i = 0; i < 3; i++) await charge(store, 'c', 60_000);
    primary.mode = 'ok';
    await sleep(35);
    await nudge(store);
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    // The fallback admitted one 60-point operation: the primary now owes 60, and refuses.
    const refused = await charge(store, 'c', 1000);
    expect(refused.allowed).toBe(false);
    expect(refused.remainingMilli).toBe(0);
    // 61 points short, at the policy's refill (less the little that refilled meanwhile).
    const shortMs = ((60_000 + 1000) * 1000) / policy.refillMilliPerSec;
    expect(refused.retryAfterMs).toBeGreaterThan(shortMs - 1000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(shortMs);
  });

  it('sends the points of a fallback charge’s refund to the primary once its spending was charged back, not its calls', async () => {
    const { primary, store, backLines } = setup({ cooldownMs: 30 });
    primary.mode = 'fail';
    for (let i = 0; i < 3; i++) await charge(store, `warm-${i}`);
    const charged = await charge(store, 'c', 50_000);
    expect(charged.reservation).toMatch(/^f\./);
    primary.mode = 'ok';
    await sleep(35);
    await nudge(store);
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(50_000);
    await store.refund({
      client: 'c',
      bucket: policy,
      refundMilli: 40_000,
      reservation: charged.reservation,
      windows: [{ name: 'Query.data', granted: 1, used: 0, grantedAtMs: grantedAt(charged) }],
    });
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(90_000);
    // The call was counted in the primary's sub-window on the primary's clock, which this
    // process's time cannot name for certain: it stays counted (the strict side).
    const look = await primary.inner.charge({
      client: 'c',
      bucket: null,
      costMilli: 0,
      windows: [{ ...dataWindow, count: 5 }],
    });
    expect(look.windows[0]?.granted).toBe(4);
  });

  it('charges back a lone late call too, while the late charge itself is given back: the client pays once', async () => {
    const { primary, store } = setup();
    primary.mode = 'late';
    const late = await charge(store, 'c', 30_000);
    expect(late.reservation).toMatch(/^f\./);
    primary.mode = 'ok';
    primary.release();
    // The next answer of the node charges back what the fallback decided meanwhile.
    await charge(store, 'other');
    await vi.waitFor(async () => expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(70_000));
    await sleep(20);
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(70_000);
  });

  it('keeps at most maxLedgerClients clients to charge back, and says how many it forgot', async () => {
    const { primary, store, backLines } = setup({ cooldownMs: 30, maxLedgerClients: 3 });
    primary.mode = 'fail';
    for (let i = 0; i < 5; i++) await charge(store, `c${i}`);
    primary.mode = 'ok';
    await sleep(35);
    await nudge(store);
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    expect(backLines()[0]).toMatchObject({ chargedBack: 3, notChargedBack: 2 });
    expect((await primary.inner.peek('c0', policy)).remainingMilli).toBe(100_000);
    expect((await primary.inner.peek('c4', policy)).remainingMilli).toBe(90_000);
  });
});
