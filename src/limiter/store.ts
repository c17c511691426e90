/**
 * The limiter store: token buckets and strict sliding windows, and nothing about GraphQL.
 * Two implementations (Redis, memory) honour one contract, checked by one test suite.
 *
 * Units: points are the unit of cost; the store works in milli-points so that fractional
 * refill rates stay exact in integer arithmetic. Times are milliseconds.
 */

/** A client's token bucket: holds up to `capacityMilli`, refilled continuously. */
export interface BucketPolicy {
  /** Capacity in milli-points (1 point = 1000). Positive integer. */
  capacityMilli: number;
  /** Refill rate in milli-points per second. Positive integer. */
  refillMilliPerSec: number;
}

/**
 * One strict sliding window to take calls from: at most `max` calls in any `windowMs` interval.
 * Stores count calls per sub-window (memory-window.ts), so a window's state stays within 65
 * counters whatever its `max`; that may refuse a call early, by at most the calls of the oldest
 * sub-window (exact for `max` ≤ 64; else a call counts at most `windowMs / 64` too long), never late.
 */
export interface WindowTake {
  /** The window's name within the client, e.g. `Query.data` or `Mutation.login:3f2a…`. */
  name: string;
  /** Calls allowed in any interval of `windowMs`. Positive integer. */
  max: number;
  /** The window length in milliseconds. Positive integer. */
  windowMs: number;
  /** Calls wanted now. Non-negative integer; the store grants up to this many. 0 only looks. */
  count: number;
  /**
   * Whose window it is, when not the charging client's: a window shared by every client, such
   * as one keyed by a user name (`@rateLimit(keyBy:)`). Default: `ChargeRequest.client`.
   */
  owner?: string;
}

/**
 * At most `max` operations of one client in flight at once. Each admitted charge holds one slot,
 * named by its reservation, until its refund releases it (`RefundRequest.slot`) or its lease ends.
 */
export interface ConcurrencyLimit {
  /** Slots per client. Positive integer. */
  max: number;
  /**
   * How long a slot is held at most, in ms, counted from when the operation may run (after its
   * wait): a slot never released (its process died) is free again after this. Positive integer.
   */
  leaseMs: number;
}

/** What one operation asks of the store, atomically. */
export interface ChargeRequest {
  /** The client's identity, e.g. `ip:203.0.113.7` or `key:ab12…`. Never contains a secret. */
  client: string;
  /** The bucket to charge, or `null` to take from windows only. */
  bucket: BucketPolicy | null;
  /** Milli-points to take from the bucket (ignored without a bucket). */
  costMilli: number;
  /** Windows to take calls from, each granted independently. Untouched when the bucket refuses. */
  windows: readonly WindowTake[];
  /**
   * How long the operation may wait for the bucket, in ms. When the bucket cannot hold the cost now
   * but will within this, the cost is taken anyway (the bucket goes into debt, at most refill ×
   * `maxWaitMs`) and `ChargeResult.waitMs` says how long to wait: operations are so let through at
   * the refill rate, first come first served. Default 0: refused.
   */
  maxWaitMs?: number;
  /** A slot to take, checked before the bucket: refused when none is free. Default none. */
  concurrency?: ConcurrencyLimit | null;
}

/** What a window granted. */
export interface WindowGrant {
  /** Calls granted, `0..count`. */
  granted: number;
  /**
   * When fewer were granted than asked (or, for a look with count 0, when the window is full):
   * milliseconds until one more call would be served; else 0.
   */
  retryAfterMs: number;
  /**
   * When the calls were granted, in ms on the store's own clock (Redis's `TIME`): the sub-window
   * they were counted in, which a refund names to give unused ones back.
   */
  grantedAtMs: number;
}

/** The outcome of a charge. Being refused is a normal result, never a rejection. */
export interface ChargeResult {
  /**
   * Whether the bucket held the cost (and a concurrency slot was free). When `false` nothing was
   * taken, from the bucket, the windows or the slots.
   */
  allowed: boolean;
  /** What refused the charge: `null` when allowed. */
  refusedBy: 'bucket' | 'concurrency' | null;
  /**
   * Milli-points left in the bucket after this charge (or before it, when refused by the bucket);
   * 0 while in debt, and 0 when refused by concurrency (the bucket was not read).
   */
  remainingMilli: number;
  /**
   * When refused by the bucket: milliseconds until it would admit the cost (within `maxWaitMs`).
   * When refused by concurrency: milliseconds until the oldest slot's lease ends at the latest.
   * Else 0.
   */
  retryAfterMs: number;
  /** When allowed: milliseconds to wait before running, while the bucket pays its debt; else 0. */
  waitMs: number;
  /** Milliseconds until the bucket is full again. */
  fullAfterMs: number;
  /** One entry per requested window, in order. All zero grants when the bucket refused. */
  windows: WindowGrant[];
  /** Identifies this charge (a resilient store tells by it which store took it). */
  reservation: string;
}

/** Giving back what an operation reserved but did not use. */
export interface RefundRequest {
  client: string;
  bucket: BucketPolicy | null;
  /** Milli-points to give back; the bucket never rises above its capacity. */
  refundMilli: number;
  /** The `reservation` of the charge being refunded. */
  reservation: string;
  /**
   * Per window of that charge: its name (and owner), how many calls it granted, how many were
   * used, and its {@link WindowGrant.grantedAtMs}. The unused ones leave the sub-window they were
   * counted in, never below zero; once that sub-window has left the window there is nothing to give.
   */
  windows: ReadonlyArray<WindowRefund>;
  /** Releases the charge's concurrency slot (it took one: `ChargeRequest.concurrency`). Default `false`. */
  slot?: boolean;
}

/** The grants of one window of a charge, for {@link RefundRequest}. */
export interface WindowRefund {
  name: string;
  owner?: string;
  granted: number;
  used: number;
  /** As the charge's {@link WindowGrant.grantedAtMs}. */
  grantedAtMs: number;
}

/** Calls another store admitted into one window, to be counted here too (see {@link SettleRequest}). */
export interface WindowCalls {
  name: string;
  /** As in {@link WindowTake.owner}. */
  owner?: string;
  /** As in {@link WindowTake}: together they choose the sub-window length. */
  max: number;
  windowMs: number;
  /**
   * Calls by age: `count` calls admitted `ageMs` ago (so that they leave the window when they
   * would have, whatever this store's clock says). Calls older than `windowMs` are ignored.
   */
  calls: ReadonlyArray<{ ageMs: number; count: number }>;
}

/**
 * What another store (the in-process fallback) admitted for one client while this one could not
 * decide: charged here without asking, so that the client's spending counts once it is back.
 */
export interface SettleRequest {
  client: string;
  bucket: BucketPolicy | null;
  /**
   * Milli-points to take whatever the bucket holds: it may go below zero (debt, refilled at the
   * usual rate, refusing the client meanwhile), down to `-capacityMilli` at most.
   */
  debtMilli: number;
  /** Calls to add to windows, even beyond `max`: the window refuses until they have left it. */
  windows: readonly WindowCalls[];
}

/** A place to keep buckets and windows. Methods reject only when the store itself fails. */
export interface LimiterStore {
  /** A short label for logs: `redis` or `memory`. */
  readonly kind: string;
  /** Takes the cost from the bucket and the calls from the windows, atomically. */
  charge(request: ChargeRequest): Promise<ChargeResult>;
  /** Gives back unused points and grants. */
  refund(request: RefundRequest): Promise<void>;
  /** Counts what another store admitted meanwhile, without refusing any of it (see {@link SettleRequest}). */
  settle(request: SettleRequest): Promise<void>;
  /** Reads a bucket without changing it: milli-points available now and until full. */
  peek(client: string, bucket: BucketPolicy): Promise<{ remainingMilli: number; fullAfterMs: number }>;
  /** Resolves when the store answers (readiness); rejects when it cannot. */
  ping(): Promise<void>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * The store could not decide (Redis down, deadline passed) and no fallback may decide instead.
 * The plugin answers 503 RATE_LIMITER_UNAVAILABLE with `Retry-After: retryAfterSec`.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    message: string,
    /** When to try again, in whole seconds. */
    readonly retryAfterSec = 1,
  ) {
    super(message);
  }
}
