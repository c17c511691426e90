import type { BucketPolicy, RefundRequest } from './store.js';

/**
 * How long a points-only refund waits for the next charge of its bucket to carry it, in ms, before
 * it is sent by itself. Under load a client's next charge comes well within it (200 operations a
 * second per process suffice), so refunds cost no call of their own. A charge of the bucket in this
 * process carries the refund, so the hold delays only what other processes see of it.
 */
export const REFUND_HOLD_MS = 5;

/**
 * The hold for a Redis deadline of `deadlineMs`: {@link REFUND_HOLD_MS}, but never more than a
 * tenth of the deadline. The deadline of a refund counts from when it is given (the resilient store
 * watches the call it makes), hold included; with a short `TOLLGATE_REDIS_TIMEOUT_MS` a full hold
 * would make every refund no charge carried late, and late calls count against the node's health.
 */
export function refundHoldFor(deadlineMs: number): number {
  return Math.max(0, Math.min(REFUND_HOLD_MS, Math.floor(deadlineMs / 10)));
}

/**
 * Whether a refund gives back points alone (no window calls, no concurrency slot): such a refund
 * may be held and carried by a later charge of its bucket, or summed with others.
 */
export function isPointsOnly(request: RefundRequest): boolean {
  return (
    request.bucket !== null &&
    request.refundMilli > 0 &&
    request.slot !== true &&
    request.windows.every((window) => window.used >= window.granted)
  );
}

/** A points-only refund (the sum of those of one bucket) that a charge took to carry. */
export interface CarriedRefund {
  refundMilli: number;
  /** The call that carries it answered: the refund landed. */
  landed(): void;
  /** The call that carries it failed: so did the refund, which is not sent again. */
  failed(error: unknown): void;
}

interface Held extends CarriedRefund {
  client: string;
  bucket: BucketPolicy;
  /** When it goes by itself, by `performance.now()`. */
  dueAt: number;
  /** What `hold()` returned. */
  promise: Promise<void>;
}

/** Sends a refund by itself (refund.lua). */
type SendRefund = (client: string, bucket: BucketPolicy, refundMilli: number) => Promise<void>;

/**
 * Points-only refunds held per client and bucket policy for a short while ({@link refundHoldFor}),
 * for the next charge of that bucket to carry ({@link take}); those no charge took are sent by
 * themselves. Refunds of one bucket held meanwhile add up into one sum: points given back only add
 * up (capped at capacity either way), so the bucket ends as separate calls would leave it.
 */
export class HeldRefunds {
  /** In the order they began to wait, so by `dueAt`: one timer serves them all, set for the oldest. */
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;

  /** @param holdMs how long a refund waits for a charge to carry it (default {@link REFUND_HOLD_MS}). */
  constructor(
    private readonly send: SendRefund,
    private readonly holdMs: number = REFUND_HOLD_MS,
  ) {}

  /** Holds a refund; the promise settles when it landed, or failed with the call that sent it. */
  hold(client: string, bucket: BucketPolicy, refundMilli: number): Promise<void> {
    const id = idOf(client, bucket);
    const waiting = this.held.get(id);
    if (waiting) {
      waiting.refundMilli += refundMilli;
      return waiting.promise;
    }
    let landed: () => void = ignore;
    let failed: (error: unknown) => void = ignore;
    const promise = new Promise<void>((resolve, reject) => {
      landed = resolve;
      failed = reject;
    });
    const dueAt = performance.now() + this.holdMs;
    this.held.set(id, { client, bucket, refundMilli, dueAt, promise, landed, failed });
    // Unref'd: a held refund alone must not keep the process up; close() sends what is left.
    if (!this.timer) this.timer = setTimeout(this.sendDue, this.holdMs).unref();
    return promise;
  }

  /**
   * The refund held for this client's bucket, taken out (so only the caller's call gives it
   * back), if any. Only the same bucket policy takes it: a charge that touches no bucket, or
   * another policy's, must not give it.
   */
  take(client: string, bucket: BucketPolicy): CarriedRefund | undefined {
    if (this.held.size === 0) return undefined;
    const id = idOf(client, bucket);
    const held = this.held.get(id);
    if (held) this.held.delete(id);
    return held;
  }

  /** Sends every held refund now (before the connection closes); resolves once each landed or failed. */
  async sendAll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const sent = [...this.held.values()].map((held) => this.sendAlone(held));
    this.held.clear();
    await Promise.allSettled(sent);
  }

  /** Sends the refunds whose hold is over, and sets the timer for the next one. */
  private readonly sendDue = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const [id, held] of this.held) {
      if (held.dueAt > now) {
        this.timer = setTimeout(this.sendDue, Math.ceil(held.dueAt - now)).unref();
        return;
      }
      this.held.delete(id);
      this.sendAlone(held);
    }
  };

  private sendAlone(held: Held): Promise<void> {
    return this.send(held.client, held.bucket, held.refundMilli).then(held.landed, held.failed);
  }
}

function idOf(client: string, bucket: BucketPolicy): string {
  return `${client}\u0000${bucket.capacityMilli}\u0000${bucket.refillMilliPerSec}`;
}

function ignore(): void {}
