import { DEFAULT_REDIS_TIMEOUT_MS } from '../config/settings.js';
import type { Logger } from '../logger.js';
import { type Outcome, withDeadline } from './deadline.js';
import { FallbackLedger } from './fallback-ledger.js';
import { isPointsOnly } from './held-refunds.js';
import type { NodeHealth } from './node-health.js';
import { type FailurePolicy, PrimaryNodes, type ResilientStoreState } from './primary-nodes.js';
import {
  type BucketPolicy,
  type ChargeRequest,
  type ChargeResult,
  type LimiterStore,
  type RefundRequest,
  type SettleRequest,
  StoreUnavailableError,
} from './store.js';

export type { FailurePolicy, ResilientStoreState } from './primary-nodes.js';

/** A call to the primary store, for latency and error metrics. */
export type StoreOperation = 'charge' | 'refund' | 'settle' | 'peek' | 'ping';

/** Options of {@link ResilientStore}. */
export interface ResilientStoreOptions {
  /** The shared store (Redis). */
  primary: LimiterStore;
  /** Decides while the primary cannot, with the same semantics (a MemoryStore, bounded). */
  fallback: LimiterStore;
  /**
   * The primary's node that holds a client's keys (`RedisStore.nodeOf`): each node has a breaker
   * of its own, so a failing Cluster master moves only its own clients. Default: one node.
   */
  nodeOf?: (client: string) => string;
  /** Most clients whose fallback spending is kept to charge back. Default 100,000. */
  maxLedgerClients?: number;
  /** Default `open`. */
  policy?: FailurePolicy;
  /** Deadline of each call to the primary, in ms. Default {@link DEFAULT_REDIS_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Consecutive primary failures that start an outage (and stop calls to it). Default 3. */
  failureThreshold?: number;
  /** How long an outage stops calls to the primary before one probe, in ms. Default 1000. */
  cooldownMs?: number;
  /** Gets one line when a node's outage starts and one when it ends (with counts). */
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

function ignore(): void {}

/**
 * The refund under the store's own reservation. Fields named, not spread: `{ ...request, more }`
 * takes V8 microseconds, and refunds follow most operations.
 */
function withReservation(request: RefundRequest, reservation: string): RefundRequest {
  const own: RefundRequest = {
    client: request.client,
    bucket: request.bucket,
    refundMilli: request.refundMilli,
    reservation,
    windows: request.windows,
  };
  if (request.slot !== undefined) own.slot = request.slot;
  return own;
}

/**
 * A {@link LimiterStore} that keeps deciding when its shared store fails. Every call to the
 * primary has a deadline that only the primary's silence can pass (see `withDeadline`: a busy or
 * stalled event loop never counts). Each node of the primary (the one Redis, or each Cluster
 * master) has its own circuit breaker: a few consecutive failures start that node's outage, during
 * which no request waits on it, and one probe per cooldown finds out when it is back. Meanwhile
 * the policy decides for the clients on that node only: `open` answers from the fallback (per
 * process), `closed` rejects with {@link StoreUnavailableError} (the plugin answers 503).
 *
 * What the fallback admits is charged back: each client's fallback spending (points, net of
 * refunds, and calls at the times they were made) is settled in the node, and the probe that finds
 * it back is that charge-back, so the node takes no new charge before it counts what it is owed.
 * Over-admission is so bounded once per outage: per client, at most one fallback's worth per
 * process beyond the limit (README, "When Redis fails").
 *
 * No operation is charged twice:
 * - a refund goes to the store that took the charge (named by the reservation): a fallback
 *   charge's refund comes off what is owed, or, once that was charged back, goes to the primary;
 *   a refund the primary cannot take is dropped (the client is then charged a little too much,
 *   never too little) and not retried (a timed-out refund may have landed);
 * - a charge is never retried. When the primary misses the deadline the fallback decides; the
 *   primary's call is not abandoned, and if its reply arrives late saying it did take points or
 *   calls, they are given back to the primary at once. (If the connection drops instead, whether
 *   Redis ran it cannot be known; at worst the client is charged once more, on the strict side.)
 */
export class ResilientStore implements LimiterStore {
  readonly kind: string;
  private readonly nodes: PrimaryNodes;
  private readonly ledger: FallbackLedger;
  private readonly policy: FailurePolicy;
  private readonly timeoutMs: number;
  private readonly retryAfterSec: number;

  constructor(private readonly options: ResilientStoreOptions) {
    this.kind = options.primary.kind;
    this.policy = options.policy ?? 'open';
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    const cooldownMs = options.cooldownMs ?? 1000;
    this.retryAfterSec = Math.max(1, Math.ceil(cooldownMs / 1000));
    this.ledger = new FallbackLedger(options.maxLedgerClients);
    this.nodes = new PrimaryNodes({
      primary: options.primary,
      ledger: this.ledger,
      nodeOf: options.nodeOf ?? (() => this.kind),
      policy: this.policy,
      timeoutMs: this.timeoutMs,
      failureThreshold: options.failureThreshold ?? 3,
      cooldownMs,
      logger: options.logger,
      ...(options.onStateChange ? { onStateChange: options.onStateChange } : {}),
    });
  }

  /** Where decisions come from now (`fallback`/`unavailable` while any node is out). */
  get state(): ResilientStoreState {
    return this.nodes.state;
  }

  /** Where the client's decisions come from now: its node's state. */
  stateOf(client: string): ResilientStoreState {
    if (!this.nodes.of(client).down) return 'shared';
    return this.policy === 'open' ? 'fallback' : 'unavailable';
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const node = this.nodes.of(request.client);
    // tryPrimary written out: this is every operation's path.
    if (this.nodes.admit(node, request.client)) {
      const started = performance.now();
      const pending = this.options.primary.charge(request);
      const outcome = await node.watch.bound(pending, started);
      if (this.answered(node, 'charge', started, outcome)) {
        // The primary's own result, made for this call: tagged in place, not copied.
        const result = outcome.value;
        result.reservation = PRIMARY_TAG + result.reservation;
        return result;
      }
      if (outcome.kind === 'timeout') pending.then((late) => this.undoLateCharge(request, late), ignore);
    }
    if (node.down) {
      if (this.policy === 'open') node.counts.decidedInProcess += 1;
      else node.counts.refused += 1;
    }
    const result = await this.degraded(() => this.options.fallback.charge(request));
    this.ledger.record(node.name, request, result);
    return { ...result, reservation: FALLBACK_TAG + result.reservation };
  }

  refund(request: RefundRequest): Promise<void> {
    // Not async, like `charge`: a refund follows most operations, and the usual one (points alone,
    // to the primary) needs no promise of this method's own. What throws still rejects.
    try {
      const node = this.nodes.of(request.client);
      if (request.reservation.startsWith(FALLBACK_TAG)) return this.refundFallbackCharge(node, request);
      const reservation = request.reservation.startsWith(PRIMARY_TAG)
        ? request.reservation.slice(PRIMARY_TAG.length)
        : request.reservation;
      const own = withReservation(request, reservation);
      if (isPointsOnly(own)) return this.refundPointsToPrimary(node, own);
      return this.refundToPrimary(node, own);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A refund of a charge the fallback took: to the fallback, or to the primary once charged back. */
  private async refundFallbackCharge(node: NodeHealth, request: RefundRequest): Promise<void> {
    const { primary, fallback } = this.options;
    const own = withReservation(request, request.reservation.slice(FALLBACK_TAG.length));
    await fallback.refund(own);
    // Once its spending was charged back, the charge is Redis's to give back.
    const charged = this.ledger.refund(node.name, own);
    if (charged) await this.tryPrimary(node, request.client, 'refund', () => primary.refund(charged));
  }

  /** A refund of window calls or a slot to the primary; dropped when it fails (see the class comment). */
  private async refundToPrimary(node: NodeHealth, request: RefundRequest): Promise<void> {
    // Resolving, not rejecting, keeps one outage one log line.
    await this.tryPrimary(node, request.client, 'refund', () => this.options.primary.refund(request));
  }

  /**
   * A refund of points alone: bounded by the deadline and dropped when it fails, like any refund,
   * but told to neither side of the node's health. The Redis store holds such refunds for the next
   * charge of their bucket to carry (`held-refunds.ts`), so their fate is that charge's, which
   * counts already: counted here too, one lost charge carrying k summed refunds would count as
   * 1 + k failures in a row and open the breaker on a healthy Redis.
   */
  private async refundPointsToPrimary(node: NodeHealth, request: RefundRequest): Promise<void> {
    if (!this.nodes.admit(node, request.client)) return;
    const started = performance.now();
    const outcome = await node.watch.bound(this.options.primary.refund(request), started);
    this.options.onCall?.('refund', performance.now() - started, outcome.kind === 'value');
  }

  async settle(request: SettleRequest): Promise<void> {
    const node = this.nodes.of(request.client);
    const attempt = await this.tryPrimary(node, request.client, 'settle', () =>
      this.options.primary.settle(request),
    );
    if (!attempt.ok) await this.degraded(() => this.options.fallback.settle(request));
  }

  async peek(client: string, bucket: BucketPolicy): Promise<{ remainingMilli: number; fullAfterMs: number }> {
    const attempt = await this.tryPrimary(this.nodes.of(client), client, 'peek', () =>
      this.options.primary.peek(client, bucket),
    );
    if (attempt.ok) return attempt.value;
    return this.degraded(() => this.options.fallback.peek(client, bucket));
  }

  /**
   * Readiness: resolves when the primary answers within the deadline, whatever the policy; rejects
   * at once while any of its nodes is out (some clients are decided without it, or refused), and
   * probes such nodes, so that readiness comes back with Redis even with no requests to do it.
   */
  async ping(): Promise<void> {
    if (this.nodes.state !== 'shared') {
      this.nodes.probeOut();
      throw new StoreUnavailableError(`the ${this.kind} store is out for some clients`, this.retryAfterSec);
    }
    const started = performance.now();
    const outcome = await withDeadline(this.options.primary.ping(), this.timeoutMs);
    this.options.onCall?.('ping', performance.now() - started, outcome.kind === 'value');
    if (outcome.kind !== 'value') {
      throw new StoreUnavailableError(`the ${this.kind} store did not answer a ping`, this.retryAfterSec);
    }
  }

  async close(): Promise<void> {
    await this.nodes.drain();
    await Promise.all([this.options.primary.close(), this.options.fallback.close()]);
  }

  /** One call to the primary, bounded by the deadline, unless the client's node is out. */
  private async tryPrimary<T>(
    node: NodeHealth,
    client: string,
    operation: StoreOperation,
    call: () => Promise<T>,
  ): Promise<Attempt<T>> {
    if (!this.nodes.admit(node, client)) return { ok: false };
    const started = performance.now();
    const outcome = await node.watch.bound(call(), started);
    if (this.answered(node, operation, started, outcome)) return { ok: true, value: outcome.value };
    return { ok: false };
  }

  /** Takes note of how a call to the primary ended (metrics, the node's health); `true` if it answered. */
  private answered<T>(
    node: NodeHealth,
    operation: StoreOperation,
    started: number,
    outcome: Outcome<T>,
  ): outcome is { kind: 'value'; value: T } {
    const ok = outcome.kind === 'value';
    this.options.onCall?.(operation, performance.now() - started, ok);
    if (ok) this.nodes.succeeded(node);
    else this.nodes.failed(node, outcome);
    return ok;
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
      grantedAtMs: late.windows[i]?.grantedAtMs ?? 0,
    }));
    const refundMilli = late.allowed && request.bucket ? request.costMilli : 0;
    const slot = late.allowed && Boolean(request.concurrency);
    if (refundMilli === 0 && !slot && windows.every((window) => window.granted === 0)) return;
    this.options.primary
      .refund({
        client: request.client,
        bucket: request.bucket,
        refundMilli,
        reservation: late.reservation,
        windows,
        slot,
      })
      .then(
        // No client id: an anonymous client's is its address, which logs never hold.
        () => this.options.logger.debug('gave back a charge that answered late'),
        () => {},
      );
  }
}
