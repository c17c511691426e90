import type { LimiterStore } from '../limiter/store.js';

/** Options of {@link AuthFailureGuard}. */
export interface AuthFailureGuardOptions {
  store: LimiterStore;
  /** Failed key attempts allowed per address in any `windowMs`; past that, the address waits. */
  maxFailures: number;
  windowMs: number;
}

const WINDOW_NAME = 'auth.failures';
/** How long "not blocked" is believed before the store is asked again. */
const CLEAR_FOR_MS = 1000;
/** Bound on remembered addresses, so a flood of addresses cannot grow memory without end. */
const MAX_REMEMBERED = 10_000;

/**
 * Limits failed API key attempts per client address (credential stuffing), with a strict
 * sliding window in the limiter store, so every server process sees the same count. Once an
 * address has `maxFailures` failures in the window, its keyed requests are refused until the
 * oldest failure leaves the window, even with a valid key.
 */
export class AuthFailureGuard {
  private readonly blockedUntil = new Map<string, number>();
  private readonly clearUntil = new Map<string, number>();

  constructor(private readonly options: AuthFailureGuardOptions) {}

  /**
   * Milliseconds the address must wait, or 0, without waiting on the store: what this process
   * knows is answered at once, and the store is asked in the background (at most once a second per
   * address), so a block set by failures seen in other processes arrives within about a second.
   */
  retryAfterMs(address: string): number {
    const now = Date.now();
    const blocked = this.blockedUntil.get(address) ?? 0;
    if (blocked > now) return blocked - now;
    if ((this.clearUntil.get(address) ?? 0) <= now) this.look(address).catch(() => {});
    return 0;
  }

  /** Counts one failed attempt from the address, and learns in the same call whether it is now blocked. */
  async recordFailure(address: string): Promise<void> {
    const waitMs = await this.take(address, [1, 0]);
    this.learn(address, waitMs);
  }

  private async look(address: string): Promise<void> {
    // Renew first, so that concurrent requests do not all go and look.
    remember(this.clearUntil, address, Date.now() + CLEAR_FOR_MS);
    this.learn(address, await this.take(address, [0]));
  }

  private learn(address: string, waitMs: number): void {
    if (waitMs > 0) {
      this.clearUntil.delete(address);
      remember(this.blockedUntil, address, Date.now() + waitMs);
    } else {
      remember(this.clearUntil, address, Date.now() + CLEAR_FOR_MS);
    }
  }

  /** Takes `counts` from the failure window in one call; the last one's wait is the answer. */
  private async take(address: string, counts: number[]): Promise<number> {
    const { store, maxFailures, windowMs } = this.options;
    const result = await store.charge({
      client: `ip:${address}`,
      bucket: null,
      costMilli: 0,
      windows: counts.map((count) => ({ name: WINDOW_NAME, max: maxFailures, windowMs, count })),
    });
    return result.windows.at(-1)?.retryAfterMs ?? 0;
  }
}

function remember(map: Map<string, number>, address: string, until: number): void {
  if (map.size >= MAX_REMEMBERED) map.clear();
  map.set(address, until);
}
