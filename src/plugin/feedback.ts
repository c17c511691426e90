import type { GraphQLResponse } from '@apollo/server';
import type { TierConfig, TierName } from '../config/index.js';
import type { RateLimitStatus } from '../context.js';
import type { BucketPolicy } from '../limiter/store.js';
import { CostReport } from './result-json.js';

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
  throttleStatus?: ThrottleStatus;
  /** Milliseconds the operation waited its turn before it ran (the tier's `maxWaitMs`); only when it did. */
  waitedMs?: number;
}

/** Whole seconds for `Retry-After` and the RateLimit `t` parameter: never 0 while waiting is needed. */
export function wholeSeconds(ms: number): number {
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

// Per tier object, made once: every operation of a tier sends the same policy and the same header.
const policies = new WeakMap<TierConfig, BucketPolicy>();
const policyHeaders = new WeakMap<TierConfig, Map<string, string>>();

/** A tier's bucket in the store's units (one object per tier, made once: do not change it). */
export function bucketPolicy(tier: TierConfig): BucketPolicy {
  let policy = policies.get(tier);
  if (!policy) {
    policy = Object.freeze({
      capacityMilli: Math.round(tier.capacity * 1000),
      refillMilliPerSec: Math.round(tier.refillPerSec * 1000),
    });
    policies.set(tier, policy);
  }
  return policy;
}

/** The `rateLimit` field's answer: the bucket after this operation's charge. */
export function rateLimitStatus(
  cost: number,
  tier: TierConfig,
  remainingMilli: number,
  fullAfterMs: number,
): RateLimitStatus {
  return new BucketStatus(cost, tier.capacity, Math.floor(remainingMilli / 1000), Date.now() + fullAfterMs);
}

/**
 * A {@link RateLimitStatus}, made on every charged operation: a class, so that its lazy `resetAt`
 * is one getter on the prototype rather than a new accessor on each object.
 */
class BucketStatus implements RateLimitStatus {
  readonly used: number;

  constructor(
    readonly cost: number,
    readonly limit: number,
    readonly remaining: number,
    private readonly resetAtMs: number,
  ) {
    this.used = limit - remaining;
  }

  /** Formatted only when the operation selects it: most never do. */
  get resetAt(): string {
    return new Date(this.resetAtMs).toISOString();
  }
}

/** The bucket as the client will find it once the refund has landed. */
export function throttleStatus(
  tier: TierConfig,
  remainingMilli: number,
  refundPoints: number,
): ThrottleStatus {
  const available = Math.min(tier.capacity * 1000, remainingMilli + refundPoints * 1000) / 1000;
  return {
    maximumAvailable: tier.capacity,
    currentlyAvailable: Math.floor(available),
    restoreRate: tier.refillPerSec,
  };
}

/**
 * The vendor parameter that names the quota unit of a `RateLimit-Policy`. The draft's own `qu`
 * takes only registered units (`requests`, `content-bytes`, `concurrent-requests`) and points are
 * not one; the draft asks service-specific parameters to carry a vendor prefix.
 */
const QUOTA_UNIT_PARAMETER = 'tollgate-qu';

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers-11) for a bucket, as
 * Structured Fields: the policy is named after the tier; `q` is the capacity, `w` the seconds a
 * full refill takes, and `tollgate-qu="points"` the unit; `r` is the points remaining. `t` is the
 * seconds until the bucket is full again, except on a 429 (`retryAfterSec` given): there it is
 * the seconds until the refused cost fits, the same moment `Retry-After` names.
 */
export function rateLimitHeaders(
  tierName: string,
  tier: TierConfig,
  status: ThrottleStatus,
  retryAfterSec?: number,
): Record<'RateLimit-Policy' | 'RateLimit', string> {
  return {
    'RateLimit-Policy': rateLimitPolicy(tierName, tier),
    RateLimit: rateLimitField(tierName, tier, status, retryAfterSec),
  };
}

/** The `RateLimit-Policy` field of a tier: the same for each of its operations, so made once. */
function rateLimitPolicy(tierName: string, tier: TierConfig): string {
  let byName = policyHeaders.get(tier);
  if (!byName) {
    byName = new Map();
    policyHeaders.set(tier, byName);
  }
  let policy = byName.get(tierName);
  if (policy === undefined) {
    const refillSeconds = Math.ceil(tier.capacity / tier.refillPerSec);
    policy = `"${tierName}";q=${Math.floor(tier.capacity)};w=${refillSeconds};${QUOTA_UNIT_PARAMETER}="points"`;
    byName.set(tierName, policy);
  }
  return policy;
}

/** The `RateLimit` field: the points remaining and when the bucket is full (or the cost fits). */
function rateLimitField(
  tierName: string,
  tier: TierConfig,
  status: ThrottleStatus,
  retryAfterSec: number | undefined,
): string {
  const fullAfterMs = ((tier.capacity - status.currentlyAvailable) / tier.refillPerSec) * 1000;
  const effectiveWindowSec = retryAfterSec ?? wholeSeconds(fullAfterMs);
  return `"${tierName}";r=${Math.max(0, status.currentlyAvailable)};t=${effectiveWindowSec}`;
}

/** What the client is told about one operation once it has been answered. */
export interface Feedback {
  tierName: TierName;
  tier: TierConfig;
  estimatedCost: number;
  actualCost: number;
  /** The bucket's milli-points as the store last reported them; `null` when it was not asked. */
  remainingMilli: number | null;
  /** Points about to be refunded (estimate − actual), 0 when nothing was taken. */
  refundPoints: number;
  /** The `Retry-After` of a 429 answer, which `t` then repeats; absent on any other answer. */
  retryAfterSec?: number;
  /** How long the operation waited its turn, in ms; 0 when it did not. */
  waitedMs?: number;
}

/** Sets `extensions.cost` and the RateLimit headers: the bucket as it stands once refunded. */
export function tellClient(response: GraphQLResponse, feedback: Feedback): void {
  let status: ThrottleStatus | undefined;
  if (feedback.remainingMilli !== null) {
    status = throttleStatus(feedback.tier, feedback.remainingMilli, feedback.refundPoints);
    // Set one by one, no intermediate object: this runs on every operation. Named in lower case, as
    // Apollo's HeaderMap stores them: a name it must lower-case first is a new string each time.
    const { headers } = response.http;
    headers.set('ratelimit-policy', rateLimitPolicy(feedback.tierName, feedback.tier));
    headers.set(
      'ratelimit',
      rateLimitField(feedback.tierName, feedback.tier, status, feedback.retryAfterSec),
    );
  }
  const body = response.body;
  if (body?.kind !== 'single') return;
  const cost = new CostReport(feedback.estimatedCost, feedback.actualCost, feedback.waitedMs, status);
  // A new result rather than a property added to Apollo's: Apollo makes its result with a spread,
  // which leaves V8 an object whose every new property costs microseconds.
  const { data, errors, extensions } = body.singleResult;
  body.singleResult = { data, errors, extensions: extensions ? { ...extensions, cost } : { cost } };
}
