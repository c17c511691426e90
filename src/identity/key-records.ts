import { CircuitBreaker, type CircuitState } from '../limiter/circuit-breaker.js';
import { withDeadline } from '../limiter/deadline.js';
import type { Logger } from '../logger.js';
import { BoundedMap } from './bounded-map.js';
import type { ApiKeyRecord, KeyStore } from './key-store.js';

/** What is known of a key id: its record, that it has none, or nothing (the store cannot be read). */
export type KeyLookup =
  | { kind: 'found'; record: ApiKeyRecord }
  | { kind: 'absent' }
  | { kind: 'unavailable' };

/** Options of {@link KeyRecords}. */
export interface KeyRecordsOptions {
  keyStore: KeyStore;
  /** How long a record is used as read; past it, it is read again in the background, in ms. */
  cacheMs: number;
  /**
   * How long after it was read a record is trusted at most, in ms, however often reading it again
   * fails: the longest a revoked key keeps its tier on a process that cannot reach the key store.
   */
  maxStalenessMs: number;
  /** Deadline of one read, in ms. */
  lookupTimeoutMs: number;
  /** Gets one line when reads start failing and one, with counts, when they succeed again. */
  logger: Logger;
  /** Records of existing keys kept, at most. Default 10,000. */
  maxKnown?: number;
  /** Ids without a record kept, at most: apart, so that a flood of them cannot evict real keys. Default 10,000. */
  maxAbsent?: number;
}

interface Entry {
  record: ApiKeyRecord | null;
  /** When the read that found it began: the store's answer is at least this recent. */
  readAtMs: number;
}

/** Consecutive failed reads that make an outage, as for the limiter store. */
const FAILURES_TO_OUTAGE = 3;
/** During an outage, one read a second finds out whether the store is back. */
const PROBE_EVERY_MS = 1000;

/**
 * API key records read through a cache: bounded (least recently used dropped, existing keys and
 * unknown ids in tables of their own), refreshed in the background once older than `cacheMs`, and
 * never trusted once older than `maxStalenessMs`. While the key store fails, reads stop after a
 * few failures (one probe a second), nobody waits on them, and the outage is logged once when it
 * starts and once when it ends.
 */
export class KeyRecords {
  private readonly known: BoundedMap<string, Entry>;
  private readonly absent: BoundedMap<string, Entry>;
  private readonly reading = new Map<string, Promise<Entry | undefined>>();
  private readonly breaker: CircuitBreaker;
  private outageStartedAtMs = 0;
  private failedReads = 0;
  private unverified = 0;
  private lastError = '';

  constructor(private readonly options: KeyRecordsOptions) {
    this.known = new BoundedMap(options.maxKnown ?? 10_000);
    this.absent = new BoundedMap(options.maxAbsent ?? 10_000);
    this.breaker = new CircuitBreaker({
      failureThreshold: FAILURES_TO_OUTAGE,
      cooldownMs: PROBE_EVERY_MS,
      onStateChange: (state, previous) => this.onCircuit(state, previous),
    });
  }

  /**
   * What memory holds of `id` that may still be trusted, without waiting; `undefined` when it
   * must be read. Starts a background read once the entry is older than `cacheMs`.
   */
  cached(id: string): KeyLookup | undefined {
    const entry = this.known.get(id) ?? this.absent.get(id);
    if (!entry) return undefined;
    const ageMs = Date.now() - entry.readAtMs;
    if (ageMs >= this.options.maxStalenessMs) return undefined;
    if (ageMs >= this.options.cacheMs) void this.read(id);
    return entry.record ? { kind: 'found', record: entry.record } : { kind: 'absent' };
  }

  /**
   * What is known of `id`: from memory while trusted, else read from the store. `unavailable`
   * when it cannot be read (at once, without waiting, during an outage).
   */
  async lookup(id: string): Promise<KeyLookup> {
    const cached = this.cached(id);
    if (cached) return cached;
    const entry = await this.read(id);
    if (entry) return entry.record ? { kind: 'found', record: entry.record } : { kind: 'absent' };
    this.unverified += 1;
    return { kind: 'unavailable' };
  }

  /** One read of `id` at a time; `undefined` when it failed or the breaker let it not through. */
  private read(id: string): Promise<Entry | undefined> {
    const pending = this.reading.get(id);
    if (pending) return pending;
    if (!this.breaker.tryAcquire()) return Promise.resolve(undefined);
    const readAtMs = Date.now();
    const read = withDeadline(this.options.keyStore.get(id), this.options.lookupTimeoutMs)
      .then((outcome) => {
        if (outcome.kind !== 'value') {
          this.failedReads += 1;
          this.lastError =
            outcome.kind === 'timeout'
              ? `no answer within ${this.options.lookupTimeoutMs} ms`
              : String((outcome.error as Error)?.message ?? outcome.error);
          this.breaker.failure();
          return undefined;
        }
        this.breaker.success();
        // A failure or two that did not make an outage is forgotten.
        if (this.outageStartedAtMs === 0) this.resetCounts();
        const entry: Entry = { record: outcome.value, readAtMs };
        if (entry.record) {
          this.absent.delete(id);
          this.known.set(id, entry);
        } else {
          this.known.delete(id);
          this.absent.set(id, entry);
        }
        return entry;
      })
      .finally(() => this.reading.delete(id));
    this.reading.set(id, read);
    return read;
  }

  private onCircuit(state: CircuitState, previous: CircuitState): void {
    const { logger } = this.options;
    if (state === 'open' && previous === 'closed') {
      this.outageStartedAtMs = Date.now();
      logger.warn(
        { err: this.lastError, maxStalenessMs: this.options.maxStalenessMs },
        'API key store is unavailable: keys whose records are not cached, or older than the maximum staleness, are served as anonymous clients of their address until it is back',
      );
    } else if (state === 'closed' && this.outageStartedAtMs !== 0) {
      logger.info(
        {
          outageMs: Date.now() - this.outageStartedAtMs,
          failedReads: this.failedReads,
          servedUnverified: this.unverified,
        },
        'API key store is back: keys are verified again',
      );
      this.outageStartedAtMs = 0;
      this.resetCounts();
    }
  }

  private resetCounts(): void {
    this.failedReads = 0;
    this.unverified = 0;
  }
}
