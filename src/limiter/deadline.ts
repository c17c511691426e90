/** How a call bounded by {@link withDeadline} ended. */
export type Outcome<T> =
  | { kind: 'value'; value: T }
  | { kind: 'error'; error: unknown }
  | { kind: 'timeout' };

/** Above this share of the wait spent running code, the process, not Redis, was the slow one. */
const BUSY_UTILIZATION = 0.5;

/**
 * Settles with the promise's outcome, or `timeout` once the other side has had `timeoutMs` to
 * answer; never rejects. Only the other side's slowness counts, not this process's: when the event
 * loop was mostly busy while the call waited (a burst of requests), the reply may be late for that
 * reason alone, so the call gets another `timeoutMs`, up to `maxWaitMs` in all (default 10 ×
 * `timeoutMs`). Deciding without Redis because our own process was busy would split one client's
 * limits between Redis and the fallback.
 */
export function withDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  maxWaitMs = timeoutMs * 10,
): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const deadline = new Promise<Outcome<T>>((resolve) => {
    const arm = () => {
      const since = performance.eventLoopUtilization();
      timer = setTimeout(() => {
        const busy = performance.eventLoopUtilization(since).utilization > BUSY_UTILIZATION;
        if (busy && performance.now() - started < maxWaitMs) return arm();
        // Timers run before I/O in an event-loop turn: a reply already waiting in the socket is
        // read first, in this turn's I/O, before the deadline is declared.
        setImmediate(() => resolve({ kind: 'timeout' }));
      }, timeoutMs);
    };
    arm();
  });
  const settled = promise.then(
    (value): Outcome<T> => ({ kind: 'value', value }),
    (error: unknown): Outcome<T> => ({ kind: 'error', error }),
  );
  return Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
}
