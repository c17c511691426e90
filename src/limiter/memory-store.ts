import { bucketKey, windowKey } from './keys.js';
import { MemorySlots } from './memory-slots.js';
import { SlotWindow, windowSlotMs } from './memory-window.js';
import { nextReservation } from './reservation.js';
import type {
  BucketPolicy,
  ChargeRequest,
  ChargeResult,
  LimiterStore,
  RefundRequest,
  SettleRequest,
  WindowGrant,
} from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** How often expired buckets and windows are dropped, in ms. Default 10,000. */
  sweepIntervalMs?: number;
  /**
   * Most buckets and windows held at once. Past it, the least recently charged is forgotten (that
   * client starts afresh), so a flood of clients cannot grow memory without end. Default 100,000.
   */
  maxKeys?: number;
}

/** Default of {@link MemoryStoreOptions.maxKeys}. */
export const DEFAULT_MAX_KEYS = 100_000;

interface BucketState {
  /** Micro-points, as in the Redis script, so refill needs no division. */
  tokensMicro: number;
  updatedAtMs: number;
  /** When the bucket will be full again; from then on it is the same as no bucket. */
  fullAtMs: number;
}

interface WindowState {
  /** Calls per sub-window (memory-window.ts): at most 65 counters whatever the window's `max`. */
  slots: SlotWindow;
  expiresAtMs: number;
}

/**
 * A {@link LimiterStore} in this process's memory, with the same semantics as the Redis store
 * (the same contract suite runs against both). For one server process: limits are not shared.
 * Time is `Date.now()`, so tests can drive it with fake timers. Holds at most `maxKeys` buckets
 * and windows, forgetting the least recently charged first.
 */
export class MemoryStore implements LimiterStore {
  readonly kind = 'memory';
  /** By client id (named `tg:{client}:bucket` only when listed): no key is built per charge. */
  private readonly buckets = new Map<string, BucketState>();
  private readonly windows = new Map<string, WindowState>();
  private readonly slots = new MemorySlots();
  private readonly sweeper: NodeJS.Timeout;
  private readonly maxKeys: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1) {
      throw new RangeError(`maxKeys must be a whole number ≥ 1, got ${this.maxKeys}`);
    }
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 10_000);
    this.sweeper.unref();
  }

  /** How many buckets and windows are held: idle clients cost nothing once they expire. */
  get size(): number {
    return this.buckets.size + this.windows.size;
  }

  /** The keys held, named as in Redis (`tg:{client}:bucket`, `tg:{client}:w:Type.field`). */
  *keys(): IterableIterator<string> {
    for (const client of this.buckets.keys()) yield bucketKey(client);
    yield* this.windows.keys();
    yield* this.slots.keys();
  }

  /**
   * How many sub-window counters the window `key` (named as in Redis) holds: its whole state, at
   * most 65 whatever its `max` (memory-window.ts). 0 when it holds none.
   */
  windowCounters(key: string): number {
    return this.windows.get(key)?.slots.slotCount ?? 0;
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const now = Date.now();
    const reservation = nextReservation();
    const { concurrency } = request;
    const slotsFull = concurrency ? this.slots.full(request.client, concurrency, now) : null;
    if (slotsFull !== null) {
      const windows = request.windows.map(() => ({ granted: 0, retryAfterMs: 0, grantedAtMs: now }));
      return {
        allowed: false,
        refusedBy: 'concurrency',
        remainingMilli: 0,
        retryAfterMs: slotsFull,
        waitMs: 0,
        fullAfterMs: 0,
        windows,
        reservation,
      };
    }
    const bucket = this.takeFromBucket(request, now);
    if (concurrency && bucket.allowed) {
      this.slots.take(request.client, reservation, concurrency, now + bucket.waitMs);
    }
    const windows: WindowGrant[] = request.windows.map((window) => {
      if (!bucket.allowed) return { granted: 0, retryAfterMs: 0, grantedAtMs: now };
      const key = windowKey(window.owner ?? request.client, window.name);
      const state = this.liveWindow(key, window.max, window.windowMs, now);
      const used = state.slots.total;
      const granted = Math.min(window.count, Math.max(0, window.max - used));
      state.slots.add(now, granted);
      if (granted > 0) state.expiresAtMs = now + window.windowMs;
      if (state.slots.total > 0) this.remember(this.windows, key, state);
      // Refused, or (when only looking) full: say when one more call would be served.
      const retryAfterMs =
        granted < window.count || (window.count === 0 && used >= window.max)
          ? state.slots.leaveAfterMs(now, window.windowMs, used + granted + 1 - window.max)
          : 0;
      return { granted, retryAfterMs, grantedAtMs: now };
    });
    // Fields named, not spread: `{ ...bucket, more }` takes V8 microseconds, and this runs on every operation.
    return {
      allowed: bucket.allowed,
      refusedBy: bucket.refusedBy,
      remainingMilli: bucket.remainingMilli,
      retryAfterMs: bucket.retryAfterMs,
      waitMs: bucket.waitMs,
      fullAfterMs: bucket.fullAfterMs,
      windows,
      reservation,
    };
  }

  async refund(request: RefundRequest): Promise<void> {
    const now = Date.now();
    if (request.slot) this.slots.release(request.client, request.reservation);
    if (request.bucket && request.refundMilli > 0) {
      const key = request.client;
      const state = this.buckets.get(key);
      if (state) {
        const capacityMicro = request.bucket.capacityMilli * 1000;
        const tokens = Math.min(
          capacityMicro,
          refilled(state, request.bucket, now) + request.refundMilli * 1000,
        );
        if (tokens >= capacityMicro) this.buckets.delete(key);
        else this.remember(this.buckets, key, bucketState(tokens, request.bucket, now));
      }
    }
    for (const window of request.windows) {
      if (window.used >= window.granted) continue;
      const key = windowKey(window.owner ?? request.client, window.name);
      const state = this.windows.get(key);
      if (!state) continue;
      state.slots.remove(window.grantedAtMs, window.granted - window.used);
      if (state.slots.total === 0) this.windows.delete(key);
    }
  }

  async settle(request: SettleRequest): Promise<void> {
    const now = Date.now();
    const policy = request.bucket;
    if (policy && request.debtMilli > 0) {
      const key = request.client;
      const capacityMicro = policy.capacityMilli * 1000;
      const state = this.buckets.get(key);
      const tokens = (state ? refilled(state, policy, now) : capacityMicro) - request.debtMilli * 1000;
      this.remember(this.buckets, key, bucketState(Math.max(-capacityMicro, tokens), policy, now));
    }
    for (const window of request.windows) {
      const calls = window.calls.filter((call) => call.ageMs < window.windowMs && call.count > 0);
      if (calls.length === 0) continue;
      const key = windowKey(window.owner ?? request.client, window.name);
      const state = this.liveWindow(key, window.max, window.windowMs, now);
      for (const call of calls) state.slots.add(now - call.ageMs, call.count);
      const newestAgeMs = Math.min(...calls.map((call) => call.ageMs));
      state.expiresAtMs = Math.max(state.expiresAtMs, now - newestAgeMs + window.windowMs);
      this.remember(this.windows, key, state);
    }
  }

  async peek(client: string, bucket: BucketPolicy): Promise<{ remainingMilli: number; fullAfterMs: number }> {
    const { remainingMilli, fullAfterMs } = this.takeFromBucket(
      { client, bucket, costMilli: 0, windows: [] },
      Date.now(),
    );
    return { remainingMilli, fullAfterMs };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.slots.clear();
    this.buckets.clear();
    this.windows.clear();
  }

  private takeFromBucket(request: ChargeRequest, now: number) {
    const policy = request.bucket;
    if (!policy) {
      return {
        allowed: true,
        refusedBy: null,
        remainingMilli: 0,
        retryAfterMs: 0,
        waitMs: 0,
        fullAfterMs: 0,
      };
    }
    const key = request.client;
    const capacityMicro = policy.capacityMilli * 1000;
    const state = this.buckets.get(key);
    let tokens = state ? refilled(state, policy, now) : capacityMicro;
    const costMicro = request.costMilli * 1000;
    // Waiting, as in charge.lua: taken while the debt left is one refill pays within maxWaitMs.
    // What costs nothing neither waits nor is refused.
    const maxWaitMs = request.maxWaitMs ?? 0;
    const allowed = costMicro === 0 || tokens - costMicro >= -policy.refillMilliPerSec * maxWaitMs;
    const waitMs =
      allowed && costMicro > 0 && tokens < costMicro
        ? Math.ceil((costMicro - tokens) / policy.refillMilliPerSec)
        : 0;
    if (allowed) {
      tokens -= costMicro;
      if (costMicro > 0) this.remember(this.buckets, key, bucketState(tokens, policy, now));
    } else if (state) {
      // A refused client is in use too: were it left to age, a flood of new clients would evict
      // its empty bucket first, and it would start again full.
      this.remember(this.buckets, key, state);
    }
    return {
      allowed,
      refusedBy: allowed ? null : ('bucket' as const),
      remainingMilli: Math.max(0, Math.floor(tokens / 1000)),
      retryAfterMs: allowed ? 0 : Math.ceil((costMicro - tokens) / policy.refillMilliPerSec) - maxWaitMs,
      waitMs,
      fullAfterMs: Math.ceil((capacityMicro - tokens) / policy.refillMilliPerSec),
    };
  }

  /** The window with the sub-windows that left it dropped (see memory-window.ts). */
  private liveWindow(key: string, max: number, windowMs: number, now: number): WindowState {
    const slotMs = windowSlotMs(max, windowMs);
    const state = this.windows.get(key) ?? { slots: new SlotWindow(slotMs), expiresAtMs: 0 };
    state.slots.trim(now, windowMs, slotMs);
    return state;
  }

  /** Sets `key` as the most recently used, forgetting the least recently used past `maxKeys`. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    while (this.size > this.maxKeys) {
      const other = map === this.buckets ? this.windows : this.buckets;
      const from = map.size > 1 || other.size === 0 ? map : other;
      const oldest = from.keys().next();
      if (oldest.done) return;
      from.delete(oldest.value);
    }
  }

  private sweep(): void {
    const now = Date.now();
    this.slots.sweep(now);
    for (const [key, state] of this.windows) if (state.expiresAtMs <= now) this.windows.delete(key);
    // A bucket refilled to capacity is the same as no bucket: drop it, as the Redis key expires.
    for (const [key, state] of this.buckets) if (state.fullAtMs <= now) this.buckets.delete(key);
  }
}

function refilled(state: BucketState, policy: BucketPolicy, now: number): number {
  const elapsedMs = Math.max(0, now - state.updatedAtMs);
  return Math.min(policy.capacityMilli * 1000, state.tokensMicro + elapsedMs * policy.refillMilliPerSec);
}

function bucketState(tokensMicro: number, policy: BucketPolicy, now: number): BucketState {
  const fullAfterMs = Math.ceil((policy.capacityMilli * 1000 - tokensMicro) / policy.refillMilliPerSec);
  return { tokensMicro, updatedAtMs: now, fullAtMs: now + Math.max(1, fullAfterMs) };
}
