import type { TierName } from '../config/index.js';

/** Who is calling, as the limiter keys them. */
export interface ClientIdentity {
  /**
   * Stable, non-secret id: `app:<id>` for the app's own user or tenant (`identifyClient`),
   * `key:<key id>` for an API key, `ip:<address>` otherwise (an IPv6 address as its prefix). It
   * names the client's Redis keys, so it never holds a secret.
   */
  id: string;
  /** The tier whose bucket applies. */
  tier: TierName;
}

/** An anonymous client at `address` (for servers without API keys, such as benchmarks' baselines). */
export function anonymousClient(address: string | undefined): ClientIdentity {
  return { id: `ip:${address ?? 'unknown'}`, tier: 'anonymous' };
}
