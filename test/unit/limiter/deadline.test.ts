import { describe, expect, it } from 'vitest';
import { DeadlineWatch, idleClockMs, withDeadline } from '../../../src/limiter/deadline.js';

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

/** A call that answers `value` after `ms`. */
const answerAfter = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('DeadlineWatch (one timer for the calls on one connection)', () => {
  it('settles each call with its own value or error when the other side answers in time', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS);
    const error = new Error('ECONNREFUSED');
    const outcomes = await Promise.all([
      watch.bound(answerAfter(2, 'a')),
      watch.bound(Promise.reject(error)),
      watch.bound(Promise.resolve('c')),
    ]);
    expect(outcomes).toEqual([
      { kind: 'value', value: 'a' },
      { kind: 'error', error },
      { kind: 'value', value: 'c' },
    ]);
    expect(watch.lastHeardAt).toBeGreaterThan(Number.NEGATIVE_INFINITY);
  });

  it('declares a hung call late, and the silent calls queued behind it, with one timer', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS);
    const started = performance.now();
    const outcomes = await Promise.all([
      watch.bound(new Promise(() => {})),
      watch.bound(new Promise(() => {})),
    ]);
    expect(outcomes).toEqual([{ kind: 'timeout' }, { kind: 'timeout' }]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS);
  });

  it('watches the next call once the oldest answered: a hung call behind an answered one is declared late', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS);
    const answered = watch.bound(Promise.resolve('first'));
    const hung = watch.bound(new Promise(() => {}));
    expect(await answered).toEqual({ kind: 'value', value: 'first' });
    expect(await hung).toEqual({ kind: 'timeout' });
    // And a later call gets a timer again.
    expect(await watch.bound(new Promise(() => {}))).toEqual({ kind: 'timeout' });
  });

  it('declares an older hung call late though a newer one answered (calls settle out of order)', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS);
    const hung = watch.bound(new Promise(() => {}));
    const answered = watch.bound(answerAfter(1, 'newer'));
    expect(await answered).toEqual({ kind: 'value', value: 'newer' });
    expect(await hung).toEqual({ kind: 'timeout' });
  });

  it('does not declare late a call queued behind calls that are answered, up to maxIdleMs', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS, { maxIdleMs: TIMEOUT_MS * 6 });
    // The other side keeps answering other calls on the connection, every quarter deadline.
    let answering = true;
    const answers = (async () => {
      while (answering) await watch.bound(answerAfter(TIMEOUT_MS / 4, 'ahead'));
    })();
    try {
      // Queued for 4 deadlines: in time, since the other side never went silent that long.
      expect(await watch.bound(answerAfter(TIMEOUT_MS * 4, 'queued'))).toEqual({
        kind: 'value',
        value: 'queued',
      });
      const started = performance.now();
      expect(await watch.bound(new Promise(() => {}))).toEqual({ kind: 'timeout' });
      expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * 6);
    } finally {
      answering = false;
      await answers;
    }
  });

  it('never counts its own busy time, and gives up by maxWaitMs when the process stays saturated', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS, { maxWaitMs: TIMEOUT_MS * 5 });
    const work = busyFor(TIMEOUT_MS * 30);
    const started = performance.now();
    const [answered, hung] = await Promise.all([
      watch.bound(busyFor(TIMEOUT_MS * 3).then(() => 'answered')),
      watch.bound(new Promise(() => {})),
    ]);
    expect(answered).toEqual({ kind: 'value', value: 'answered' });
    expect(hung).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS * 5);
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 30);
    await work;
  });

  it('keeps the process alive only while a call is in flight (as a timer per call cleared on answer did)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const watch = new DeadlineWatch(TIMEOUT_MS * 100);
    let answer: (value: string) => void = () => {};
    const pending = watch.bound(new Promise<string>((resolve) => (answer = resolve)));
    expect(timers()).toBe(before + 1);
    answer('done');
    expect(await pending).toEqual({ kind: 'value', value: 'done' });
    expect(timers()).toBe(before);
    const next = watch.bound(new Promise<string>((resolve) => (answer = resolve)));
    expect(timers()).toBe(before + 1);
    answer('again');
    await next;
    expect(timers()).toBe(before);
  });

  it('reads a reply that arrived during a stall before judging the deadline', async () => {
    const watch = new DeadlineWatch(TIMEOUT_MS);
    await new Promise((resolve) => setImmediate(resolve));
    const reply = new Promise((resolve) => setImmediate(() => resolve('in the socket')));
    const pending = watch.bound(reply);
    const until = performance.now() + TIMEOUT_MS * 30;
    while (performance.now() < until) {}
    expect(await pending).toEqual({ kind: 'value', value: 'in the socket' });
  });
});
