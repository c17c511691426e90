import type { CostExtension } from '../plugin/feedback.js';
import type { BucketObservation } from './bucket-model.js';
import { parseRateLimit, parseRateLimitPolicy, parseRetryAfterMs } from './headers.js';

/**
 * One answer from Tollgate as much as a client library lets it be seen, and what it says: was it
 * refused, what did the operation cost, how does the bucket stand. The integrations turn what
 * their library hands them into an {@link Answer}; everything after that is shared.
 */

/** A GraphQL error as Tollgate sends it. */
export interface GraphQLErrorLike {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** One GraphQL response: one per operation, several for a batch. */
export interface GraphQLResultLike {
  data?: unknown;
  errors?: readonly GraphQLErrorLike[];
  extensions?: Record<string, unknown> & { cost?: CostExtension };
}

/** The header fields of an answer, however the library keeps them. */
export interface HeaderSource {
  get(name: string): string | null;
}

/** What one HTTP exchange said. */
export interface Answer {
  /** The HTTP status; `undefined` when the library does not show it (Apollo Client, for one). */
  status: number | undefined;
  /** The GraphQL response, or one per operation of a batch; empty when the body was not GraphQL. */
  results: readonly GraphQLResultLike[];
  headers: HeaderSource | undefined;
}

/** Why an answer asks to be tried again. */
export interface Refusal {
  kind: 'throttled' | 'unavailable';
  /** The least wait it asks for: `Retry-After`, the error's `retryAfter`, or the points missing at the restore rate. */
  retryAfterMs: number | undefined;
}

/** The codes of a 503: the limiter cannot decide, or the process sheds the client's tier. */
const UNAVAILABLE_CODES: ReadonlySet<unknown> = new Set(['RATE_LIMITER_UNAVAILABLE', 'SERVER_OVERLOADED']);

/**
 * A refusal of the whole request (429, or 503 while the limiter is down or sheds load), else `undefined`. The
 * status decides when it is known; when the library hides it, the error does: a `RATE_LIMITED`,
 * `RATE_LIMITER_UNAVAILABLE` or `SERVER_OVERLOADED` (load shedding) without a `path` and with no
 * data is the request's, while a field's `RATE_LIMITED` in a partial result (200) has a path and
 * comes with data, and is no refusal.
 */
export function refusalOf(answer: Answer, nowMs: number): Refusal | undefined {
  const error = requestError(answer);
  const code = error?.extensions?.code;
  let kind: Refusal['kind'] | undefined;
  if (answer.status === 429 || (answer.status === undefined && code === 'RATE_LIMITED')) kind = 'throttled';
  else if (answer.status === 503 || (answer.status === undefined && UNAVAILABLE_CODES.has(code)))
    kind = 'unavailable';
  if (!kind) return undefined;
  const candidates = [
    parseRetryAfterMs(answer.headers?.get('retry-after'), nowMs),
    secondsToMs(error?.extensions?.retryAfter),
    missingPointsMs(answer, error),
  ].filter((ms): ms is number => ms !== undefined);
  return { kind, retryAfterMs: candidates.length > 0 ? Math.max(...candidates) : undefined };
}

/** Each operation's price as the server told it (the estimate it charged, or would have). */
export function pricesOf(answer: Answer): Array<number | undefined> {
  return answer.results.map((result) => {
    const requested = result.extensions?.cost?.requestedQueryCost;
    if (typeof requested === 'number') return requested;
    const refused = result.errors?.find((error) => typeof error.extensions?.cost === 'number');
    return refused?.extensions?.cost as number | undefined;
  });
}

/** What the server kept of the points: the actual cost of what it ran, nothing when it refused. */
export function chargedPointsOf(answer: Answer, refused: boolean): number {
  if (refused) return 0;
  return answer.results.reduce((sum, result) => sum + (result.extensions?.cost?.actualQueryCost ?? 0), 0);
}

/**
 * The bucket as the answer describes it: `extensions.cost.throttleStatus` (the lowest of a batch:
 * its operations were charged one after another), else the `RateLimit` / `RateLimit-Policy` fields.
 */
export function observationOf(answer: Answer): BucketObservation | undefined {
  let lowest: BucketObservation | undefined;
  for (const result of answer.results) {
    const status = result.extensions?.cost?.throttleStatus;
    if (status && (!lowest || status.currentlyAvailable < lowest.availablePoints)) {
      lowest = {
        availablePoints: status.currentlyAvailable,
        capacityPoints: status.maximumAvailable,
        restorePerSec: status.restoreRate,
      };
    }
  }
  return lowest ?? observationOfHeaders(answer.headers);
}

/** The request's own error (no path), if the answer is a single response that carries one. */
function requestError(answer: Answer): GraphQLErrorLike | undefined {
  const [result, ...more] = answer.results;
  if (!result || more.length > 0 || (result.data !== undefined && result.data !== null)) return undefined;
  return result.errors?.find((error) => !error.path);
}

/** The wait the refusal's numbers imply: the points missing at the restore rate. */
function missingPointsMs(answer: Answer, error: GraphQLErrorLike | undefined): number | undefined {
  const { cost, available } = error?.extensions ?? {};
  const rate = answer.results[0]?.extensions?.cost?.throttleStatus?.restoreRate;
  if (typeof cost !== 'number' || typeof available !== 'number' || !rate) return undefined;
  return Math.max(0, Math.ceil(((cost - available) / rate) * 1000));
}

function secondsToMs(value: unknown): number | undefined {
  return typeof value === 'number' && value >= 0 ? value * 1000 : undefined;
}

/** Units the draft registers for `qu` that are not points: such a policy is not the cost bucket. */
const OTHER_UNITS = new Set(['requests', 'content-bytes', 'concurrent-requests']);

function observationOfHeaders(headers: HeaderSource | undefined): BucketObservation | undefined {
  const remaining = parseRateLimit(headers?.get('ratelimit'))[0];
  const policy = parseRateLimitPolicy(headers?.get('ratelimit-policy')).find(
    (candidate) => candidate.policy === remaining?.policy,
  );
  if (!remaining || !policy?.windowSec || OTHER_UNITS.has(policy.quotaUnit ?? '')) return undefined;
  // `w` is a whole number of seconds rounded up, so this rate errs on the slow, safe side.
  return {
    availablePoints: remaining.remaining,
    capacityPoints: policy.quota,
    restorePerSec: policy.quota / policy.windowSec,
  };
}
