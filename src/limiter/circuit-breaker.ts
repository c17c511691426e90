/** Where a {@link CircuitBreaker} stands. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before it lets one probe through, in ms. Default 1000. */
  cooldownMs?: number;
  /** Told of every change of state, after it happened. */
  onStateChange?: (state: CircuitState, previous: CircuitState) => void;
}

/**
 * A small circuit breaker: `closed` lets every call through; `failureThreshold` consecutive
 * failures open it; while `open` no call goes through, so a dead dependency costs nothing per
 * call; after `cooldownMs` it is `half-open` and lets exactly one probe through at a time: a
 * success closes it, a failure opens it for another cooldown.
 *
 * It does not call anything itself: the caller asks {@link tryAcquire} first and reports the
 * outcome with {@link success} or {@link failure}. Time is `Date.now()` (fake timers work).
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAtMs = 0;
  private probing = false;
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;

  constructor(private readonly options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.cooldownMs = options.cooldownMs ?? 1000;
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1) {
      throw new RangeError(`failureThreshold must be a whole number ≥ 1, got ${this.failureThreshold}`);
    }
    if (!(this.cooldownMs >= 0)) throw new RangeError(`cooldownMs must be ≥ 0, got ${this.cooldownMs}`);
  }

  /** The state now (an open circuit whose cooldown has passed reads as `half-open`). */
  get state(): CircuitState {
    if (this.current === 'open' && Date.now() - this.openedAtMs >= this.cooldownMs) {
      this.probing = false;
      this.move('half-open');
    }
    return this.current;
  }

  /**
   * Whether a call may go through now. In `half-open` only one caller at a time gets `true`
   * (the probe); it must then report {@link success} or {@link failure}.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** The call went through and succeeded: the failure count restarts, a probe closes the circuit. */
  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.move('closed');
  }

  /** The call failed: counts towards opening; a failed probe reopens for another cooldown. */
  failure(): void {
    this.failures += 1;
    this.probing = false;
    if (
      this.current === 'half-open' ||
      (this.current === 'closed' && this.failures >= this.failureThreshold)
    ) {
      this.openedAtMs = Date.now();
      this.move('open');
    }
  }

  private move(next: CircuitState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.options.onStateChange?.(next, previous);
  }
}
