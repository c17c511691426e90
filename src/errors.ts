import { GraphQLError } from 'graphql';

/**
 * Every error code Tollgate answers with, and the HTTP status it carries when it stops the
 * whole request. Apollo's own codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED,
 * BAD_USER_INPUT, …) keep Apollo's statuses and are not repeated here.
 */
export const ERROR_STATUS = {
  /** A request that is not GraphQL over HTTP: bad JSON, wrong content type, oversized body. */
  BAD_REQUEST: 400,
  /** The operation's estimated cost exceeds the maximum for one operation (Apollo's code). */
  COST_ESTIMATED_TOO_EXPENSIVE: 400,
  /** A list field whose `@listSize` requires exactly one slicing argument got another number. */
  COST_SLICING_ARGUMENT_REQUIRED: 400,
  /** A slicing argument that is not a non-negative integer. */
  COST_INVALID_SLICING_ARGUMENT: 400,
  /** A document too large to price (too many fields once fragments are expanded). */
  QUERY_TOO_COMPLEX: 400,
  /** The client's bucket cannot hold the cost now (429), or a field's window is full (in `errors`, 200). */
  RATE_LIMITED: 429,
  /** The store could not answer and the failure policy is `closed`. */
  RATE_LIMITER_UNAVAILABLE: 503,
  /** Only for routes that do not exist. */
  NOT_FOUND: 404,
} as const;

/** A code from {@link ERROR_STATUS}. */
export type TollgateErrorCode = keyof typeof ERROR_STATUS;

/** Options of {@link tollgateError}. */
export interface TollgateErrorOptions {
  /** More `extensions`, next to `code`. Never keys or raw IPs. */
  extensions?: Record<string, unknown>;
  /** HTTP headers to send with the response, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Set `false` for errors inside a partial result, which keep the response's 200. */
  setsHttpStatus?: boolean;
}

/**
 * Creates a GraphQL error with `extensions.code` and, through Apollo's `extensions.http`, the
 * HTTP status and headers of the response it ends.
 */
export function tollgateError(
  code: TollgateErrorCode,
  message: string,
  options: TollgateErrorOptions = {},
): GraphQLError {
  const headers = new Map(Object.entries(options.headers ?? {}));
  const http = options.setsHttpStatus === false ? undefined : { status: ERROR_STATUS[code], headers };
  return new GraphQLError(message, {
    extensions: { code, ...options.extensions, ...(http ? { http } : {}) },
  });
}

/** 400: the operation costs more than one operation of this tier may. */
export function tooExpensiveError(estimated: number, max: number): GraphQLError {
  return tollgateError(
    'COST_ESTIMATED_TOO_EXPENSIVE',
    `This operation's estimated cost (${estimated}) exceeds the maximum of ${max} for one operation.`,
    { extensions: { 'cost.estimated': estimated, 'cost.max': max } },
  );
}

/** 429: the bucket cannot hold the operation's cost now; nothing ran, nothing was taken. */
export function throttledError(cost: number, availablePoints: number, retryAfterSec: number): GraphQLError {
  return tollgateError(
    'RATE_LIMITED',
    `Throttled: this operation costs ${cost} points and ${availablePoints} are available; try again in ${retryAfterSec} s.`,
    {
      extensions: { cost, available: availablePoints, retryAfter: retryAfterSec },
      headers: { 'Retry-After': String(retryAfterSec) },
    },
  );
}

/** 503: the limiter's store could not decide and the failure policy is `closed`. */
export function limiterUnavailableError(retryAfterSec: number): GraphQLError {
  return tollgateError(
    'RATE_LIMITER_UNAVAILABLE',
    `The rate limiter is unavailable; try again in ${retryAfterSec} s.`,
    { extensions: { retryAfter: retryAfterSec }, headers: { 'Retry-After': String(retryAfterSec) } },
  );
}

/** In `errors` of a partial result: one invocation of a `@rateLimit` field was over its window. */
export function fieldRateLimitedError(
  rule: { coordinate: string; max: number; window: string },
  retryAfterSec: number,
): GraphQLError {
  return tollgateError(
    'RATE_LIMITED',
    `${rule.coordinate} is limited to ${rule.max} calls per ${rule.window}; try again in ${retryAfterSec} s.`,
    {
      setsHttpStatus: false,
      extensions: {
        coordinate: rule.coordinate,
        limit: rule.max,
        window: rule.window,
        retryAfter: retryAfterSec,
      },
    },
  );
}
