import type { TierConfig } from '../config.js';

/** What the client is told about its bucket after an operation (Shopify's `throttleStatus`). */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** `extensions.cost` of every priced response, in the shape Shopify's API made familiar. */
export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: ThrottleStatus;
}

/** Whole seconds for `Retry-After` and the RateLimit `t` parameter: never 0 while waiting is needed. */
export function wholeSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) for a bucket, as
 * Structured Fields: the policy is named after the tier; `q` is the capacity in points and `w`
 * the seconds a full refill takes; `r` is the points remaining, `t` the seconds until full.
 */
export function rateLimitHeaders(
  tierName: string,
  tier: TierConfig,
  remainingPoints: number,
  fullAfterMs: number,
): Record<'RateLimit-Policy' | 'RateLimit', string> {
  const policy = `"${tierName}"`;
  const refillSeconds = Math.ceil(tier.capacity / tier.refillPerSec);
  return {
    'RateLimit-Policy': `${policy};q=${Math.floor(tier.capacity)};w=${refillSeconds}`,
    RateLimit: `${policy};r=${Math.max(0, Math.floor(remainingPoints))};t=${wholeSeconds(fullAfterMs)}`,
  };
}
