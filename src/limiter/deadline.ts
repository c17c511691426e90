/** How a call bounded by {@link withDeadline} ended. */
export type Outcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' };

/** Options of {@link withDeadline}. */
export interface DeadlineOptions {
  /**
   * When the other side last answered anything (any call on the same connection), on the
   * {@link idleClockMs} clock. While it keeps answering, a call is only queued behind others (a
   * connection answers in order), not lost: it is late once the other side has been silent for
   * `timeoutMs` since the call began. Default: the call's own start.
   */
  lastHeardAt?: () => number;
  /**
   * Called when the promise settles, in time or late, before its outcome is taken: the place to
   * note that the other side answered (it then counts for {@link lastHeardAt} of calls behind it).
   */
  onAnswer?: () => void;
  /** The longest wait however much the other side answers meanwhile, in idle ms. Default 10 × `timeoutMs`. */
  maxIdleMs?: number;
  /**
   * The longest wait however busy this process is, in ms of wall time: a process saturated by
   * other work while the other side hangs still gives up (and requests do not pile up on a hung
   * Redis). Default 50 × `timeoutMs`, far past any burst (a thousand requests at once keep a
   * process busy about a second).
   */
  maxWaitMs?: number;
}

/**
 * A clock that runs only while this process waits for I/O (the event loop's idle time, in ms). A
 * reply that arrives while the clock runs is read at once, so time on it is time the other side
 * had to answer; time this process spends running code (a burst of requests, a stalled event
 * loop) does not move it.
 */
export function idleClockMs(): number {
  // What `performance.eventLoopUtilization().idle` reads, without the object it builds around it
  // (this is read twice per call to Redis).
  return NODE_TIMING.idleTime;
}

const NODE_TIMING = performance.nodeTiming;

/**
 * How long a call may still wait, in ms (≤ 0: it is late), by the rules of {@link withDeadline}:
 * `timeoutMs` of the other side's silence since the call began or last answer, `maxIdleMs` of
 * idle time since it began, `maxWaitMs` of wall time since it began.
 */
function leftMs(
  startedAt: number,
  startedWallAt: number,
  heardAt: number,
  limits: { timeoutMs: number; maxIdleMs: number; maxWaitMs: number },
): number {
  const now = idleClockMs();
  return Math.min(
    limits.timeoutMs - (now - Math.max(startedAt, heardAt)),
    limits.maxIdleMs - (now - startedAt),
    limits.maxWaitMs - (performance.now() - startedWallAt),
  );
}

/**
 * Settles with the promise's outcome, or `timeout` once the other side has had `timeoutMs` to
 * answer and said nothing; never rejects.
 *
 * Only the other side's silence counts, never this process's slowness: time is measured on the
 * {@link idleClockMs} clock, so however long the event loop is busy or stalled, a reply is never
 * declared late before the process has been idle for `timeoutMs` while waiting for it. (A reply
 * can be late because our own write went out late, or because it waits unread in the socket: both
 * only happen while the process is busy.) Deciding without Redis because our own process was busy
 * would split one client's limits between Redis and the fallback. Only `maxWaitMs` is wall time.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  options: DeadlineOptions = {},
): Promise<Outcome<T>> {
  const limits = deadlineLimits(timeoutMs, options);
  const startedAt = idleClockMs();
  const startedWallAt = performance.now();
  // One promise settled by whichever comes first (no race of two, no `finally`). (Calls on every
  // operation's path use a DeadlineWatch instead: one timer for all.)
  return new Promise<Outcome<T>>((resolve) => {
    let done = false;
    const settle = (outcome: Outcome<T>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const check = () => {
      const left = leftMs(startedAt, startedWallAt, options.lastHeardAt?.() ?? startedAt, limits);
      if (left > 0) {
        // At least a millisecond: the idle clock only moves once the loop gets to wait.
        timer = setTimeout(check, Math.max(1, Math.ceil(left)));
        return;
      }
      // Timers run before I/O in an event-loop turn: a reply already waiting in the socket is
      // read first, in this turn's I/O, before the deadline is declared.
      setImmediate(() => settle({ kind: 'timeout' }));
    };
    let timer: NodeJS.Timeout = setTimeout(check, timeoutMs);
    const { onAnswer } = options;
    promise.then(
      (value) => {
        onAnswer?.();
        settle({ kind: 'value', value });
      },
      (error: unknown) => {
        onAnswer?.();
        settle({ kind: 'error', error });
      },
    );
  });
}

function deadlineLimits(
  timeoutMs: number,
  options: Pick<DeadlineOptions, 'maxIdleMs' | 'maxWaitMs'>,
): { timeoutMs: number; maxIdleMs: number; maxWaitMs: number } {
  return {
    timeoutMs,
    maxIdleMs: options.maxIdleMs ?? timeoutMs * 10,
    maxWaitMs: options.maxWaitMs ?? timeoutMs * 50,
  };
}

/** One call a {@link DeadlineWatch} watches. */
class Watched {
  /** The call started after this one. */
  next: Watched | undefined = undefined;
  /** It answered, or was declared late. */
  settled = false;
  resolve: (outcome: Outcome<unknown>) => void = () => {};

  constructor(
    readonly startedAt: number,
    readonly startedWallAt: number,
  ) {}
}

/**
 * {@link withDeadline} for the calls on one connection, with one timer for all of them instead of
 * one per call (a timer set and cleared per call, on every operation's path, cost more than the
 * rest of the deadline). Each call gets exactly `withDeadline`'s deadline, with
 * {@link DeadlineWatch.lastHeardAt} as `lastHeardAt` and any call's answer as `onAnswer`.
 *
 * The timer only watches the oldest call in flight: calls are watched in the order they started,
 * and each of the three limits runs from a call's start (or from the same last answer), so no call
 * is due before an older one. When the oldest answers, the timer is left to fire and then watches
 * the next. Left running once nothing is in flight, it fires once more (at most `timeoutMs` later)
 * and stops; meanwhile it does not keep the process alive (as a cleared timer would not).
 */
export class DeadlineWatch {
  /** When the other side last answered any call, on the {@link idleClockMs} clock. */
  lastHeardAt = Number.NEGATIVE_INFINITY;
  private readonly limits: { timeoutMs: number; maxIdleMs: number; maxWaitMs: number };
  /** The calls in flight, oldest first (answered ones leave from the front). */
  private first: Watched | undefined;
  private last: Watched | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, options: Pick<DeadlineOptions, 'maxIdleMs' | 'maxWaitMs'> = {}) {
    this.limits = deadlineLimits(timeoutMs, options);
  }

  /** The other side answered (in time or not): it is alive. */
  heard(): void {
    this.lastHeardAt = idleClockMs();
  }

  /**
   * Settles with the promise's outcome, or `timeout` once it is late; never rejects.
   * @param startedWallAt when the call began by `performance.now()`, if the caller read it.
   */
  bound<T>(promise: Promise<T>, startedWallAt = performance.now()): Promise<Outcome<T>> {
    const call = new Watched(idleClockMs(), startedWallAt);
    const outcome = new Promise<Outcome<T>>((resolve) => {
      call.resolve = resolve as (outcome: Outcome<unknown>) => void;
    });
    if (this.last) {
      this.last.next = call;
    } else {
      this.first = call;
      if (this.timer) this.timer.ref();
      else this.timer = setTimeout(this.check, this.limits.timeoutMs);
    }
    this.last = call;
    promise.then(
      (value) => this.answered(call, { kind: 'value', value }),
      (error: unknown) => this.answered(call, { kind: 'error', error }),
    );
    return outcome;
  }

  private answered(call: Watched, outcome: Outcome<unknown>): void {
    this.heard();
    if (!call.settled) {
      call.settled = true;
      call.resolve(outcome);
    }
    // Usually the oldest: a connection answers in order.
    let first = this.first;
    while (first?.settled) first = first.next;
    this.first = first;
    if (!first) {
      this.last = undefined;
      this.timer?.unref();
    }
  }

  private readonly check = (): void => {
    this.timer = undefined;
    let call = this.first;
    const late: Watched[] = [];
    let left = 0;
    for (; call; call = call.next) {
      if (call.settled) continue;
      left = leftMs(call.startedAt, call.startedWallAt, this.lastHeardAt, this.limits);
      if (left > 0) break;
      late.push(call);
    }
    this.first = call;
    if (call) {
      // At least a millisecond: the idle clock only moves once the loop gets to wait.
      this.timer = setTimeout(this.check, Math.max(1, Math.ceil(left)));
    } else {
      this.last = undefined;
    }
    if (late.length === 0) return;
    // Timers run before I/O in an event-loop turn: a reply already waiting in the socket is read
    // first, in this turn's I/O, before the deadline is declared.
    setImmediate(() => {
      for (const lateCall of late) {
        if (lateCall.settled) continue;
        lateCall.settled = true;
        lateCall.resolve({ kind: 'timeout' });
      }
    });
  };
}
