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
   * Milliseconds the address must wait, or 0. An address seen clear before is answered from
   * memory and looked up again in the background once a second, so the request path stays at
   * one store call; a block set by other processes is seen within about a second.
   */
  async retryAfterMs(address: string): Promise<number> {
    const now = Date.now();
    const blocked = this.blockedUntil.get(address) ?? 0;
    if (blocked > now) return blocked - now;
    const clearUntil = this.clearUntil.get(address);
    if (clearUntil === undefined) return this.look(address);
    if (clearUntil <= now) this.look(address).catch(() => {});
    return 0;
  }

  /** Counts one failed attempt from the address; the next check asks the store again. */
  async recordFailure(address: string): Promise<void> {
    this.clearUntil.delete(address);
    await this.take(address, 1);
  }

  private async look(address: string): Promise<number> {
    // Renew first, so that concurrent requests do not all go and look.
    remember(this.clearUntil, address, Date.now() + CLEAR_FOR_MS);
    const waitMs = await this.take(address, 0);
    if (waitMs > 0) {
      this.clearUntil.delete(address);
      remember(this.blockedUntil, address, Date.now() + waitMs);
    }
    return waitMs;
  }

  private async take(address: string, count: number): Promise<number> {
    const { store, maxFailures, windowMs } = this.options;
    const result = await store.charge({
      client: `ip:${address}`,
      bucket: null,
      costMilli: 0,
      windows: [{ name: WINDOW_NAME, max: maxFailures, windowMs, count }],
    });
    return result.windows[0]?.retryAfterMs ?? 0;
  }
}

function remember(map: Map<string, number>, address: string, until: number): void {
  if (map.size >= MAX_REMEMBERED) map.clear();
  map.set(address, until);
}
