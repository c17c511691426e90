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
  return performance.eventLoopUtilization().idle;
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
  const maxIdleMs = options.maxIdleMs ?? timeoutMs * 10;
  const maxWaitMs = options.maxWaitMs ?? timeoutMs * 50;
  const startedAt = idleClockMs();
  const startedWallAt = performance.now();
  // One promise settled by whichever comes first (no race of two, no `finally`): this runs once
  // per store call, on every operation's path.
  return new Promise<Outcome<T>>((resolve) => {
    let done = false;
    const settle = (outcome: Outcome<T>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const check = () => {
      const now = idleClockMs();
      const silentFrom = Math.max(startedAt, options.lastHeardAt?.() ?? startedAt);
      const leftMs = Math.min(
        timeoutMs - (now - silentFrom),
        maxIdleMs - (now - startedAt),
        maxWaitMs - (performance.now() - startedWallAt),
      );
      if (leftMs > 0) {
        // At least a millisecond: the idle clock only moves once the loop gets to wait.
        timer = setTimeout(check, Math.max(1, Math.ceil(leftMs)));
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
