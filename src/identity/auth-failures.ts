import type { LimiterStore, WindowTake } from '../limiter/store.js';
import { BoundedMap } from './bounded-map.js';

/** Options of {@link createAuthFailureGuard}. */
export interface AuthFailureGuardOptions {
  /**
   * The shared store (Redis) that counts for every server process, exactly. Without it this
   * process counts alone, in tables of bounded size (the in-memory store's single process).
   */
  store?: LimiterStore;
  /** Key checks that may fail per address in any `windowMs`; past that, its unknown keys wait. */
  maxFailures: number;
  windowMs: number;
  /** Without a store: addresses whose failures are kept, at most (least recently failed dropped). Default 50,000. */
  maxAddresses?: number;
  /** (address, key) pairs remembered as served, at most. Default 50,000. */
  maxServedPairs?: number;
}

/** How a key check ended, for {@link Admission.settle}. */
export type CheckOutcome =
  /** The key is valid: its slot is given back, and the key is remembered as served at the address. */
  | 'passed'
  /** The key is not valid: its slot stays taken, one failure counted. */
  | 'failed'
  /** The key could not be checked (the key store is out): its slot is given back. */
  | 'unchecked';

/** Whether one presented key may be checked; see {@link AuthFailureGuard.admit}. */
export interface Admission {
  /** A slot of the address's failure window was free, or the key has been served from the address. */
  readonly allowed: boolean;
  /** When not allowed: milliseconds until a slot frees. */
  readonly retryAfterMs: number;
  /** Says how the check ended; call it once, after the check. */
  settle(outcome: CheckOutcome): void;
}

/**
 * The lockout against guessing keys from one address (credential stuffing): at most `maxFailures`
 * keys that fail their check per address in any window, exactly, however many requests arrive at
 * once and on however many processes. A check takes its slot before it is made, in the same atomic
 * step that says whether one is left; a key that passes gives its slot back. Past the limit, keys
 * from the address are not checked, except keys served from that address within the window: the
 * lockout never stops a valid key for what others at its address (a NAT, a proxy) did.
 */
export interface AuthFailureGuard {
  /** Whether `keyId` was served from `address` within the window, as this process knows without asking. */
  knows(address: string, keyId: string): boolean;
  /** Takes a slot for one check of `keyId` from `address`. Rejects only when the store fails. */
  admit(address: string, keyId: string): Promise<Admission>;
}

/** The guard for the configuration: counted in the shared store when there is one, else in memory. */
export function createAuthFailureGuard(options: AuthFailureGuardOptions): AuthFailureGuard {
  return options.store ? new SharedGuard(options, options.store) : new LocalGuard(options);
}

const FAILURES = 'auth.failures';
const servedWindow = (keyId: string) => `auth.served.${keyId}`;
const pair = (address: string, keyId: string) => `${address} ${keyId}`;

/**
 * Counted in the limiter store, per address: the window `auth.failures` holds a slot per check
 * that failed or is under way; `auth.served.<key id>` one or two marks of the key being served
 * there (marked at most 2 in a window, looked at as at most 1: full means marked).
 */
class SharedGuard implements AuthFailureGuard {
  /** When each pair stops being known here as served: a cache of the store's marks. */
  private readonly served: BoundedMap<string, number>;

  constructor(
    private readonly options: AuthFailureGuardOptions,
    private readonly store: LimiterStore,
  ) {
    this.served = new BoundedMap(options.maxServedPairs ?? 50_000);
  }

  knows(address: string, keyId: string): boolean {
    return (this.served.get(pair(address, keyId)) ?? 0) > Date.now();
  }

  async admit(address: string, keyId: string): Promise<Admission> {
    const { maxFailures, windowMs } = this.options;
    const client = `ip:${address}`;
    const windows: WindowTake[] = [
      { name: FAILURES, max: maxFailures, windowMs, count: 1 },
      { name: servedWindow(keyId), max: 1, windowMs, count: 0 },
    ];
    const result = await this.store.charge({ client, bucket: null, costMilli: 0, windows });
    const [slot, served] = result.windows;
    const granted = slot?.granted === 1;
    const giveBack = () => {
      if (!granted) return;
      const refund = { client, bucket: null, refundMilli: 0, reservation: result.reservation };
      const windows = [{ name: FAILURES, granted: 1, used: 0, grantedAtMs: slot?.grantedAtMs ?? 0 }];
      this.store.refund({ ...refund, windows }).catch(() => {});
    };
    return {
      allowed: granted || (served?.retryAfterMs ?? 0) > 0,
      retryAfterMs: slot?.retryAfterMs ?? 0,
      settle: (outcome) => {
        if (outcome === 'failed') return;
        giveBack();
        if (outcome === 'passed') this.markServed(client, address, keyId);
      },
    };
  }

  private markServed(client: string, address: string, keyId: string): void {
    const { windowMs } = this.options;
    const key = pair(address, keyId);
    // Known here for half a window, or until the older of two marks in the store expires: then
    // marked again, so that a key in use always has a live mark for the other processes to find.
    this.served.set(key, Date.now() + windowMs / 2);
    const mark = { name: servedWindow(keyId), max: 2, windowMs, count: 1 };
    this.store.charge({ client, bucket: null, costMilli: 0, windows: [mark] }).then(
      (result) => {
        const refusedForMs = result.windows[0]?.granted ? undefined : result.windows[0]?.retryAfterMs;
        if (refusedForMs !== undefined && refusedForMs < windowMs / 2) {
          this.served.set(key, Date.now() + refusedForMs);
        }
      },
      () => {},
    );
  }
}

/**
 * Counted in this process, for the in-memory store (one process, so exact): failure times per
 * address, at most `maxFailures` each, in a table of at most `maxAddresses` addresses.
 */
class LocalGuard implements AuthFailureGuard {
  private readonly failures: BoundedMap<string, number[]>;
  /** When each pair was last served. */
  private readonly served: BoundedMap<string, number>;

  constructor(private readonly options: AuthFailureGuardOptions) {
    this.failures = new BoundedMap(options.maxAddresses ?? 50_000);
    this.served = new BoundedMap(options.maxServedPairs ?? 50_000);
  }

  knows(address: string, keyId: string): boolean {
    return (
      Date.now() - (this.served.get(pair(address, keyId)) ?? Number.NEGATIVE_INFINITY) < this.options.windowMs
    );
  }

  async admit(address: string, keyId: string): Promise<Admission> {
    const { maxFailures, windowMs } = this.options;
    const now = Date.now();
    // A failure at t counts until t + windowMs (exclusive), as in the stores.
    const live = (this.failures.get(address) ?? []).filter((atMs) => atMs > now - windowMs);
    const granted = live.length < maxFailures;
    if (granted) live.push(now);
    if (live.length > 0) this.failures.set(address, live);
    else this.failures.delete(address);
    const oldest = live[0] ?? now;
    return {
      allowed: granted || this.knows(address, keyId),
      retryAfterMs: granted ? 0 : Math.max(1, oldest + windowMs - now),
      settle: (outcome) => {
        if (outcome === 'failed') return;
        if (granted) this.giveBack(address, now);
        if (outcome === 'passed') this.served.set(pair(address, keyId), Date.now());
      },
    };
  }

  private giveBack(address: string, slotAtMs: number): void {
    const slots = this.failures.get(address);
    const index = slots?.indexOf(slotAtMs) ?? -1;
    if (!slots || index === -1) return;
    slots.splice(index, 1);
    if (slots.length === 0) this.failures.delete(address);
  }
}
