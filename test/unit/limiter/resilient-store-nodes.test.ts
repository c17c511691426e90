import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../../src/limiter/store.js';
import { charge, closeStores, nudge, setup, TIMEOUT_MS } from './misbehaving-store.js';

afterEach(closeStores);

describe('ResilientStore on several nodes (a Cluster)', () => {
  it('open: a failing node sends only its own clients to the fallback', async () => {
    const { primary, store, outageLines } = setup({ nodes: true });
    primary.nodes.set('a', 'fail');
    for (let i = 0; i < 10; i++) {
      expect((await charge(store, `a/${i}`)).reservation).toMatch(/^f\./);
      expect((await charge(store, `b/${i}`)).reservation).toMatch(/^p\./);
    }
    expect(store.stateOf('a/1')).toBe('fallback');
    expect(store.stateOf('b/1')).toBe('shared');
    expect(store.state).toBe('fallback');
    expect(outageLines()).toHaveLength(1);
    expect(outageLines()[0]).toMatchObject({ node: 'a', policy: 'open' });
  });

  it('closed: clients on the other nodes are never refused', async () => {
    const { primary, store } = setup({ nodes: true, policy: 'closed' });
    primary.nodes.set('a', 'hang');
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        charge(store, `${i % 2 ? 'a' : 'b'}/${i}`).then(
          (result) => result.reservation.slice(0, 2),
          (error: unknown) => (error instanceof StoreUnavailableError ? '503' : 'other'),
        ),
      ),
    );
    expect(outcomes.filter((_, i) => i % 2 === 0)).toEqual(Array(10).fill('p.'));
    expect(outcomes.filter((_, i) => i % 2 === 1)).toEqual(Array(10).fill('503'));
  });

  it('logs each node’s outage once, and its end once with what happened meanwhile', async () => {
    const { primary, store, outageLines, backLines } = setup({ nodes: true, cooldownMs: 40 });
    primary.nodes.set('a', 'fail');
    primary.nodes.set('b', 'fail');
    // Probes keep failing for a while: still one outage per node.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) {
        await charge(store, `a/${i}`);
        await charge(store, `b/${i}`);
      }
      await sleep(45);
    }
    primary.nodes.delete('a');
    await sleep(45);
    await nudge(store, 'a/0');
    await vi.waitFor(() => expect(backLines()).toHaveLength(1));
    expect(outageLines().map((line) => line.node)).toEqual(['a', 'b']);
    expect(backLines()[0]).toMatchObject({
      node: 'a',
      outageMs: expect.any(Number),
      // 4 rounds of 5, from the third failure on (the one that began the outage), probes included.
      decidedInProcess: 18,
      refused: 0,
      chargedBack: 5,
    });
    expect(store.stateOf('a/0')).toBe('shared');
    expect(store.state).toBe('fallback');
  });

  it('ends an outage only by a probe, not by a call sent before it began that answers during it', async () => {
    const { primary, store, backLines } = setup();
    primary.mode = 'late';
    const before = charge(store, 'c');
    primary.mode = 'fail';
    for (let i = 0; i < 3; i++) await charge(store, `other-${i}`);
    expect(store.state).toBe('fallback');
    primary.mode = 'ok';
    primary.release();
    expect((await before).reservation).toMatch(/^p\./);
    await sleep(20);
    expect(store.state).toBe('fallback');
    expect(backLines()).toEqual([]);
  });

  it('does not take a call for lost while its node keeps answering the calls queued before it', async () => {
    const { primary, store, outageLines } = setup({ nodes: true });
    primary.nodes.set('a', 'serial');
    primary.serialMs = TIMEOUT_MS / 2;
    // Answered in order, one every half deadline: the last waits three deadlines, never silence.
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => charge(store, `a/${i}`)));
    expect(results.map((result) => result.reservation.slice(0, 2))).toEqual(Array(6).fill('p.'));
    expect(outageLines()).toEqual([]);
  });
});
