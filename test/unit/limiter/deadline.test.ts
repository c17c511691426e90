import { describe, expect, it } from 'vitest';
import { idleClockMs, withDeadline } from '../../../src/limiter/deadline.js';

const TIMEOUT_MS = 20;

/** Keeps the event loop busy for `ms`, in short chunks that still let it turn (a burst of requests). */
function busyFor(ms: number): Promise<void> {
  const until = performance.now() + ms;
  return new Promise((resolve) => {
    const chunk = () => {
      const stop = Math.min(until, performance.now() + 5);
      while (performance.now() < stop) {}
      if (performance.now() < until) setImmediate(chunk);
      else resolve();
    };
    chunk();
  });
}

describe('withDeadline', () => {
  it('settles with the value, or the error, when the other side answers in time', async () => {
    expect(await withDeadline(Promise.resolve(7), TIMEOUT_MS)).toEqual({ kind: 'value', value: 7 });
    const error = new Error('ECONNREFUSED');
    expect(await withDeadline(Promise.reject(error), TIMEOUT_MS)).toEqual({ kind: 'error', error });
  });

  it('declares a timeout once the process has waited the deadline, idle, for a silent other side', async () => {
    const started = performance.now();
    expect(await withDeadline(new Promise(() => {}), TIMEOUT_MS)).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
  });

  it('never counts its own busy time: an answer that needs the busy process first is not late', async () => {
    // The reply can only come after our own work (as a pipelined command is only written once the
    // replies before it are processed): 15 deadlines of a busy loop, past any wall-clock cap.
    const work = busyFor(TIMEOUT_MS * 15);
    const outcome = await withDeadline(
      work.then(() => 'answered'),
      TIMEOUT_MS,
    );
    expect(outcome).toEqual({ kind: 'value', value: 'answered' });
  });

  it('still gives up by maxWaitMs of wall time when the process stays saturated and the other side is silent', async () => {
    const busy = busyFor(TIMEOUT_MS * 30);
    const started = performance.now();
    const outcome = await withDeadline(new Promise(() => {}), TIMEOUT_MS, { maxWaitMs: TIMEOUT_MS * 5 });
    expect(outcome).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * 5);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 30);
    await busy;
  });

  it('reads a reply that arrived during a stall before judging the deadline', async () => {
    // Start in the check phase: the next turn runs the expired timer before the reply.
    await new Promise((resolve) => setImmediate(resolve));
    const reply = new Promise((resolve) => setImmediate(() => resolve('in the socket')));
    const pending = withDeadline(reply, TIMEOUT_MS);
    const until = performance.now() + TIMEOUT_MS * 30;
    while (performance.now() < until) {}
    expect(await pending).toEqual({ kind: 'value', value: 'in the socket' });
  });

  it('waits while the other side keeps answering calls ahead of this one, up to maxIdleMs', async () => {
    let heardAt = idleClockMs();
    const heartbeat = setInterval(() => {
      heardAt = idleClockMs();
    }, TIMEOUT_MS / 4);
    try {
      const queued = new Promise((resolve) => setTimeout(() => resolve('queued'), TIMEOUT_MS * 4));
      expect(await withDeadline(queued, TIMEOUT_MS, { lastHeardAt: () => heardAt })).toEqual({
        kind: 'value',
        value: 'queued',
      });
      const started = performance.now();
      const never = withDeadline(new Promise(() => {}), TIMEOUT_MS, {
        lastHeardAt: () => heardAt,
        maxIdleMs: TIMEOUT_MS * 3,
      });
      expect(await never).toEqual({ kind: 'timeout' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * 3);
    } finally {
      clearInterval(heartbeat);
    }
  });
});
