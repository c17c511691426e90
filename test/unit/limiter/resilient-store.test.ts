import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../../src/limiter/store.js';
import {
  charge,
  closeStores,
  dataWindow,
  grantedAt,
  policy,
  setup,
  TIMEOUT_MS,
} from './misbehaving-store.js';

afterEach(closeStores);

describe('ResilientStore', () => {
  it('decides in the primary while it answers, and sends the refund back there', async () => {
    const { primary, fallback, store, states } = setup();
    const charged = await charge(store);
    expect(charged.reservation.startsWith('p.')).toBe(true);
    await store.refund({
      client: 'c',
      bucket: policy,
      refundMilli: 10_000,
      reservation: charged.reservation,
      windows: [{ name: 'Query.data', granted: 1, used: 0, grantedAtMs: grantedAt(charged) }],
    });
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(100_000);
    // The grant came back too: five more calls fit in the window.
    const again = await store.charge({
      client: 'c',
      bucket: null,
      costMilli: 0,
      windows: [{ ...dataWindow, count: 6 }],
    });
    expect(again.windows[0]?.granted).toBe(5);
    expect((await fallback.peek('c', policy)).remainingMilli).toBe(100_000);
    expect(store.state).toBe('shared');
    expect(states).toEqual([]);
  });

  it('open: answers from the fallback with the same limits when the primary fails', async () => {
    const { primary, store } = setup();
    primary.mode = 'fail';
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await charge(store));
    expect(results.map((result) => result.windows[0]?.granted)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(results.every((result) => result.reservation.startsWith('f.'))).toBe(true);
  });

  it('stops calling a failing primary after 3 failures, and logs the outage once', async () => {
    const { primary, store, states, calls, outageLines } = setup();
    primary.mode = 'fail';
    for (let i = 0; i < 50; i++) await charge(store, `client-${i}`);
    expect(primary.calls).toBe(3);
    expect(calls).toEqual(Array.from({ length: 3 }, () => ({ operation: 'charge', ok: false })));
    expect(store.state).toBe('fallback');
    expect(states).toEqual(['fallback']);
    expect(outageLines()).toHaveLength(1);
    expect(outageLines()[0]).toMatchObject({
      level: 40,
      policy: 'open',
      err: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('closed: rejects with StoreUnavailableError and a Retry-After, and never uses the fallback', async () => {
    const { primary, fallback, store, states } = setup({ policy: 'closed', cooldownMs: 2500 });
    primary.mode = 'fail';
    for (let i = 0; i < 5; i++) {
      const error = await charge(store).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).retryAfterSec).toBe(3);
    }
    await expect(store.peek('c', policy)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(store.state).toBe('unavailable');
    expect(states).toEqual(['unavailable']);
    expect((await fallback.peek('c', policy)).remainingMilli).toBe(100_000);
  });

  it('answers by the deadline when the primary never does', async () => {
    const { primary, store } = setup();
    primary.mode = 'hang';
    const result = await charge(store);
    expect(result.allowed).toBe(true);
    expect(result.reservation.startsWith('f.')).toBe(true);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('does not count its own busy event loop against the deadline when the reply is already in', async () => {
    const { primary, store, calls } = setup();
    primary.mode = 'io';
    // Start in the event loop's check phase: the next turn runs expired timers before the reply.
    await new Promise((resolve) => setImmediate(resolve));
    const pending = charge(store);
    // The process is busy past the deadline; meanwhile the reply arrived and waits to be read.
    const until = Date.now() + TIMEOUT_MS * 3;
    while (Date.now() < until) {}
    expect((await pending).reservation.startsWith('p.')).toBe(true);
    expect(calls).toEqual([{ operation: 'charge', ok: true }]);
  });

  it('goes back to the primary by itself once a probe after the cooldown succeeds', async () => {
    const { primary, store, states, outageLines, backLines } = setup({ cooldownMs: 50 });
    primary.mode = 'fail';
    for (let i = 0; i < 10; i++) await charge(store);
    primary.mode = 'ok';
    expect((await charge(store)).reservation.startsWith('f.')).toBe(true);
    await sleep(60);
    // The first request after the cooldown starts a probe and is answered without waiting on it.
    expect((await charge(store)).reservation.startsWith('f.')).toBe(true);
    await vi.waitFor(() => expect(store.state).toBe('shared'));
    expect((await charge(store)).reservation.startsWith('p.')).toBe(true);
    expect(states).toEqual(['fallback', 'shared']);
    expect(outageLines()).toHaveLength(1);
    // The line comes once what the fallback admitted was charged back.
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('is not ready while the primary is out, and finds it back by readiness checks alone', async () => {
    const { primary, store, backLines } = setup({ cooldownMs: 30 });
    primary.mode = 'fail';
    for (let i = 0; i < 3; i++) await charge(store);
    primary.mode = 'ok';
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await sleep(35);
    // No request comes (a load balancer took the instance out): readiness probes by itself.
    await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    await vi.waitFor(() => expect(store.state).toBe('shared'));
    await expect(store.ping()).resolves.toBeUndefined();
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
  });

  it('sends the refund of a fallback charge to the fallback, even once the primary is back', async () => {
    const { primary, fallback, store } = setup({ cooldownMs: 0 });
    primary.mode = 'fail';
    const charged = await charge(store, 'c', 50_000);
    expect(charged.reservation.startsWith('f.')).toBe(true);
    primary.mode = 'ok';
    await store.refund({
      client: 'c',
      bucket: policy,
      refundMilli: 40_000,
      reservation: charged.reservation,
      windows: [{ name: 'Query.data', granted: 1, used: 0, grantedAtMs: grantedAt(charged) }],
    });
    expect((await fallback.peek('c', policy)).remainingMilli).toBe(90_000);
    // The primary never saw the charge: giving it the refund would let the client spend it twice.
    expect(primary.calls).toBe(1);
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(100_000);
  });

  it('drops a refund the primary cannot take, without rejecting and without giving it to the fallback', async () => {
    const { primary, fallback, store } = setup();
    const charged = await charge(store, 'c', 50_000);
    await fallback.charge({ client: 'c', bucket: policy, costMilli: 50_000, windows: [] });
    primary.mode = 'fail';
    await store.refund({
      client: 'c',
      bucket: policy,
      refundMilli: 50_000,
      reservation: charged.reservation,
      windows: [],
    });
    expect((await fallback.peek('c', policy)).remainingMilli).toBe(50_000);
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(50_000);
  });

  it('does not count failed refunds of points alone toward an outage: a charge carrying them already did', async () => {
    const { primary, store, calls } = setup();
    const charged = await charge(store, 'c', 50_000);
    primary.mode = 'fail';
    // As when one lost charge carried the sum of five refunds (held-refunds.ts): they fail with it.
    const pointsOnly = { client: 'c', bucket: policy, refundMilli: 1000, reservation: charged.reservation };
    for (let i = 0; i < 5; i++) await store.refund({ ...pointsOnly, windows: [] });
    expect(store.state).toBe('shared');
    // Still measured, as failed calls.
    expect(calls.filter((call) => call.operation === 'refund')).toHaveLength(5);
    expect(calls.every((call) => call.operation !== 'refund' || !call.ok)).toBe(true);
    // A refund that gives back window calls goes alone, and its failures do count.
    const withCalls = { ...pointsOnly, windows: [{ ...dataWindow, granted: 1, used: 0, grantedAtMs: 0 }] };
    for (let i = 0; i < 3; i++) await store.refund(withCalls);
    expect(store.state).toBe('fallback');
  });

  it('gives back a charge the primary made after its deadline, so the client pays once', async () => {
    const { primary, fallback, store, logs } = setup();
    primary.mode = 'late';
    const result = await charge(store, 'c', 30_000);
    expect(result.reservation.startsWith('f.')).toBe(true);
    expect((await fallback.peek('c', policy)).remainingMilli).toBe(70_000);
    // Now the primary does the work it was asked for, and answers late.
    primary.mode = 'ok';
    primary.release();
    await vi.waitFor(() =>
      expect(logs.some((line) => line.msg === 'gave back a charge that answered late')).toBe(true),
    );
    // The late charge did happen in the primary, and was undone: bucket full, window empty.
    expect((await primary.inner.peek('c', policy)).remainingMilli).toBe(100_000);
    const window = await primary.inner.charge({
      client: 'c',
      bucket: null,
      costMilli: 0,
      windows: [{ ...dataWindow, count: 5 }],
    });
    expect(window.windows[0]?.granted).toBe(5);
  });
});
