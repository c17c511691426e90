import { DEFAULT_REDIS_TIMEOUT_MS } from '../config/settings.js';
import type { Logger } from '../logger.js';
import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { withDeadline } from './deadline.js';
import {
  type BucketPolicy,
  type ChargeRequest,
  type ChargeResult,
  type LimiterStore,
  type RefundRequest,
  StoreUnavailableError,
} from './store.js';

/** What to do when the shared store cannot answer: serve from the fallback, or refuse (503). */
export type FailurePolicy = 'open' | 'closed';

/**
 * Where decisions come from: `shared` (the primary, e.g. Redis), `fallback` (the primary is out
 * and the policy is `open`), `unavailable` (the primary is out and the policy is `closed`).
 */
export type ResilientStoreState = 'shared' | 'fallback' | 'unavailable';

/** A call to the primary store, for latency and error metrics. */
export type StoreOperation = 'charge' | 'refund' | 'peek' | 'ping';

/** Options of {@link ResilientStore}. */
export interface ResilientStoreOptions {
  /** The shared store (Redis). */
  primary: LimiterStore;
  /** Decides while the primary cannot, with the same semantics (a MemoryStore). */
  fallback: LimiterStore;
  /** Default `open`. */
  policy?: FailurePolicy;
  /** Deadline of each call to the primary, in ms. Default {@link DEFAULT_REDIS_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Consecutive primary failures that start an outage (and stop calls to it). Default 3. */
  failureThreshold?: number;
  /** How long an outage stops calls to the primary before one probe, in ms. Default 1000. */
  cooldownMs?: number;
  /** Gets one line when an outage starts and one when it ends. */
  logger: Logger;
  /** Told when {@link ResilientStore.state} changes (metrics, readiness). */
  onStateChange?: (state: ResilientStoreState, previous: ResilientStoreState) => void;
  /** Told of every call made to the primary: how long it took, and whether it answered in time. */
  onCall?: (operation: StoreOperation, durationMs: number, ok: boolean) => void;
}

// Which store took a charge travels in its reservation, so that its refund goes back there.
const PRIMARY_TAG = 'p.';
const FALLBACK_TAG = 'f.';

type Attempt<T> = { ok: true; value: T } | { ok: false };

/**
 * A {@link LimiterStore} that keeps deciding when its shared store fails. Every call to the
 * primary has a deadline; a few consecutive failures open a circuit breaker, so that during an
 * outage no request waits on the primary at all, and one probe per cooldown finds out when it is
 * back: shared limits then resume by themselves. Meanwhile the policy decides: `open` answers
 * from the fallback (per process: looser, never unlimited), `closed` rejects with
 * {@link StoreUnavailableError} (the plugin answers 503).
 *
 * No operation is charged twice:
 * - a refund goes to the store that took the charge (named by the reservation), never to the other;
 *   a refund the primary cannot take is dropped (the client is then charged a little too much,
 *   never too little) and not retried (a timed-out refund may have landed: a retry could
 *   refund twice);
 * - a charge is never retried. When the primary misses the deadline the fallback decides; the
 *   primary's call is not abandoned, and if its reply arrives late saying it did take points or
 *   calls, they are given back to the primary at once. (If the connection drops instead, whether
 *   Redis ran it cannot be known; at worst the client is charged once more, on the strict side.)
 */
export class ResilientStore implements LimiterStore {
  readonly kind: string;
  private current: ResilientStoreState = 'shared';
  private outageStartedAtMs = 0;
  private lastError = '';
  private readonly breaker: CircuitBreaker;
  private readonly policy: FailurePolicy;
  private readonly timeoutMs: number;
  private readonly retryAfterSec: number;

  constructor(private readonly options: ResilientStoreOptions) {
    this.kind = options.primary.kind;
    this.policy = options.policy ?? 'open';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    const cooldownMs = options.cooldownMs ?? 1000;
    this.retryAfterSec = Math.max(1, Math.ceil(cooldownMs / 1000));
    this.breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold ?? 3,
      cooldownMs,
      onStateChange: (state, previous) => this.onCircuit(state, previous),
    });
  }

  /** Where decisions come from now. */
  get state(): ResilientStoreState {
    return this.current;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const attempt = await this.tryPrimary(
      'charge',
      () => this.options.primary.charge(request),
      (late) => this.undoLateCharge(request, late),
    );
    if (attempt.ok) return { ...attempt.value, reservation: PRIMARY_TAG + attempt.value.reservation };
    const result = await this.degraded(() => this.options.fallback.charge(request));
    return { ...result, reservation: FALLBACK_TAG + result.reservation };
  }

  async refund(request: RefundRequest): Promise<void> {
    if (request.reservation.startsWith(FALLBACK_TAG)) {
      return this.options.fallback.refund({
        ...request,
        reservation: request.reservation.slice(FALLBACK_TAG.length),
      });
    }
    const reservation = request.reservation.startsWith(PRIMARY_TAG)
      ? request.reservation.slice(PRIMARY_TAG.length)
      : request.reservation;
    // Dropped when it fails (see the class comment): resolving keeps one outage one log line.
    await this.tryPrimary('refund', () => this.options.primary.refund({ ...request, reservation }));
  }

  async peek(client: string, bucket: BucketPolicy): Promise<{ remainingMilli: number; fullAfterMs: number }> {
    const attempt = await this.tryPrimary('peek', () => this.options.primary.peek(client, bucket));
    if (attempt.ok) return attempt.value;
    return this.degraded(() => this.options.fallback.peek(client, bucket));
  }

  /** Readiness: resolves when the primary answers within the deadline, whatever the policy. */
  async ping(): Promise<void> {
    const started = performance.now();
    const outcome = await withDeadline(this.options.primary.ping(), this.timeoutMs);
    this.options.onCall?.('ping', performance.now() - started, outcome.kind === 'value');
    if (outcome.kind !== 'value') {
      throw new StoreUnavailableError(`the ${this.kind} store did not answer a ping`, this.retryAfterSec);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.options.primary.close(), this.options.fallback.close()]);
  }

  /** One call to the primary, if the breaker lets it through, bounded by the deadline. */
  private async tryPrimary<T>(
    operation: StoreOperation,
    call: () => Promise<T>,
    onLateValue?: (value: T) => void,
  ): Promise<Attempt<T>> {
    if (!this.breaker.tryAcquire()) return { ok: false };
    const started = performance.now();
    const pending = call();
    const outcome = await withDeadline(pending, this.timeoutMs);
    this.options.onCall?.(operation, performance.now() - started, outcome.kind === 'value');
    if (outcome.kind === 'value') {
      this.breaker.success();
      return { ok: true, value: outcome.value };
    }
    this.lastError =
      outcome.kind === 'timeout' ? `no answer within ${this.timeoutMs} ms` : errorMessage(outcome.error);
    this.breaker.failure();
    if (outcome.kind === 'timeout' && onLateValue) pending.then(onLateValue, () => {});
    return { ok: false };
  }

  /** The primary cannot decide: the fallback does (`open`), or nobody does (`closed`). */
  private degraded<T>(fromFallback: () => Promise<T>): Promise<T> {
    if (this.policy === 'closed') {
      return Promise.reject(
        new StoreUnavailableError(`the ${this.kind} store is unavailable`, this.retryAfterSec),
      );
    }
    return fromFallback();
  }

  /** A charge the primary made after its deadline, while the fallback decided: give it back. */
  private undoLateCharge(request: ChargeRequest, late: ChargeResult): void {
    const windows = request.windows.map((window, i) => ({
      name: window.name,
      owner: window.owner,
      granted: late.windows[i]?.granted ?? 0,
      used: 0,
    }));
    const refundMilli = late.allowed && request.bucket ? request.costMilli : 0;
    if (refundMilli === 0 && windows.every((window) => window.granted === 0)) return;
    this.options.primary
      .refund({
        client: request.client,
        bucket: request.bucket,
        refundMilli,
        reservation: late.reservation,
        windows,
      })
      .then(
        () => this.options.logger.debug({ client: request.client }, 'gave back a charge that answered late'),
        () => {},
      );
  }

  private onCircuit(state: CircuitState, previous: CircuitState): void {
    const { logger } = this.options;
    if (state === 'open' && previous === 'closed') {
      this.outageStartedAtMs = Date.now();
      const next = this.policy === 'open' ? 'fallback' : 'unavailable';
      logger.warn(
        { store: this.kind, policy: this.policy, err: this.lastError },
        this.policy === 'open'
          ? `${this.kind} is unavailable: limiting per process until it is back`
          : `${this.kind} is unavailable: refusing requests (503) until it is back`,
      );
      this.moveTo(next);
    } else if (state === 'closed') {
      logger.info(
        { store: this.kind, outageMs: Date.now() - this.outageStartedAtMs },
        `${this.kind} is back: limits are shared again`,
      );
      this.moveTo('shared');
    }
  }

  private moveTo(next: ResilientStoreState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.options.onStateChange?.(next, previous);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
