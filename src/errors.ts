import { type ASTNode, GraphQLError } from 'graphql';

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
  /** A document too large to price or validate (too many selections once fragments are expanded). */
  QUERY_TOO_COMPLEX: 400,
  /**
   * The client's bucket cannot hold the cost now, not even within the tier's `maxWaitMs` (429); the
   * client has its tier's `maxConcurrent` operations in flight already (429, `reason:
   * "CONCURRENCY_LIMIT"`); or a field's window is full (in `errors`, 200).
   */
  RATE_LIMITED: 429,
  /**
   * The client went away while its operation waited its turn (`maxWaitMs`): nothing ran and the
   * charge was given back. Nobody reads the answer; it names the outcome in logs (nginx's 499).
   */
  CLIENT_CLOSED_REQUEST: 499,
  /** The store could not answer and the failure policy is `closed`. */
  RATE_LIMITER_UNAVAILABLE: 503,
  /** Only for routes that do not exist. */
  NOT_FOUND: 404,
  /** A CORS preflight from a page whose origin is not in `TOLLGATE_CORS_ORIGINS`. */
  CORS_ORIGIN_NOT_ALLOWED: 403,
  /** An API key was sent that is malformed, unknown or revoked. Nothing ran. */
  UNAUTHENTICATED: 401,
  /** The document (`query`) has more bytes than `TOLLGATE_MAX_DOCUMENT_BYTES`. */
  DOCUMENT_TOO_LARGE: 400,
  /** The document has more lexical tokens than `TOLLGATE_MAX_TOKENS`; parsing stopped there. */
  TOO_MANY_TOKENS: 400,
  /** Fields nest deeper than `TOLLGATE_MAX_DEPTH`, fragments expanded (before parsing: brackets deeper than 2 × it + 8). */
  QUERY_TOO_DEEP: 400,
  /** An operation has more aliased fields than `TOLLGATE_MAX_ALIASES`, fragments expanded. */
  TOO_MANY_ALIASES: 400,
  /**
   * The document repeats more selections at one place (the same response name again, another
   * fragment spread there) than `TOLLGATE_MAX_REPEATED_SELECTIONS`, fragments expanded.
   */
  TOO_MANY_REPEATED_SELECTIONS: 400,
  /** A field, fragment or operation carries more directives than `TOLLGATE_MAX_DIRECTIVES_PER_FIELD`. */
  TOO_MANY_DIRECTIVES: 400,
  /** A batched request (JSON array) has more operations than `TOLLGATE_MAX_BATCH_OPERATIONS`. */
  BATCH_TOO_LARGE: 400,
  /** An operation's `variables` exceed `TOLLGATE_MAX_VARIABLES_BYTES` of JSON or nest deeper than `TOLLGATE_MAX_VARIABLES_DEPTH`. */
  VARIABLES_TOO_LARGE: 400,
  /**
   * This process is saturated and sheds the caller's tier first (load shedding, `TOLLGATE_SHED`):
   * refused right after identity, before parsing; nothing ran, nothing was charged.
   */
  SERVER_OVERLOADED: 503,
} as const;

/** The codes of the input limits (src/limits): checked before anything is priced or run. */
export const INPUT_LIMIT_CODES = [
  'DOCUMENT_TOO_LARGE',
  'TOO_MANY_TOKENS',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'TOO_MANY_REPEATED_SELECTIONS',
  'QUERY_TOO_COMPLEX',
  'TOO_MANY_DIRECTIVES',
  'BATCH_TOO_LARGE',
  'VARIABLES_TOO_LARGE',
] as const satisfies readonly (keyof typeof ERROR_STATUS)[];

/** A code from {@link INPUT_LIMIT_CODES}. */
export type InputLimitCode = (typeof INPUT_LIMIT_CODES)[number];

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

/**
 * 400: a request over one of the input limits; `limit` is the configured maximum, `nodes`
 * point at the offending place of the document.
 */
export function inputLimitError(
  code: InputLimitCode,
  message: string,
  limit: number,
  nodes?: ReadonlyArray<ASTNode>,
): GraphQLError {
  return new GraphQLError(message, {
    ...(nodes ? { nodes } : {}),
    extensions: { code, limit, http: { status: ERROR_STATUS[code], headers: new Map<string, string>() } },
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

/**
 * 429: the client has `limit` operations in flight already (its tier's `maxConcurrent`, across
 * every process); nothing ran, nothing was taken.
 */
export function concurrencyLimitedError(limit: number, retryAfterSec: number): GraphQLError {
  return tollgateError(
    'RATE_LIMITED',
    `Too many operations in flight: this client may run ${limit} at once; try again in ${retryAfterSec} s.`,
    {
      extensions: { reason: 'CONCURRENCY_LIMIT', limit, retryAfter: retryAfterSec },
      headers: { 'Retry-After': String(retryAfterSec) },
    },
  );
}

/** 499: the client went away while its operation waited its turn; nothing ran, nothing was taken. */
export function clientGoneError(): GraphQLError {
  return tollgateError(
    'CLIENT_CLOSED_REQUEST',
    'The client closed the connection while the operation waited its turn; it did not run.',
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

/** 401: the API key sent is malformed, unknown or revoked; the key is never echoed. */
export function unauthenticatedError(): GraphQLError {
  return tollgateError(
    'UNAUTHENTICATED',
    'The API key is not valid (malformed, unknown or revoked). Send a valid key, or none to be served anonymously.',
  );
}

/** 429: too many failed API key attempts from this address; even a valid key waits. */
export function authFailuresError(retryAfterSec: number): GraphQLError {
  return tollgateError(
    'RATE_LIMITED',
    `Too many failed API key attempts from this address; try again in ${retryAfterSec} s.`,
    {
      extensions: { reason: 'AUTH_FAILURES', retryAfter: retryAfterSec },
      headers: { 'Retry-After': String(retryAfterSec) },
    },
  );
}

/** `extensions.reason` of {@link serverOverloadedError}: the request was shed by tier. */
export const LOAD_SHED_REASON = 'LOAD_SHED';

/**
 * 503: the process is saturated and sheds `tier` (and every tier below it) so that higher tiers
 * keep their latency. Nothing was parsed, run or charged; `Retry-After` is the shedder's cool-down.
 */
export function serverOverloadedError(tier: string, retryAfterSec: number): GraphQLError {
  return tollgateError(
    'SERVER_OVERLOADED',
    `The server is overloaded and serves higher tiers first (${tier} requests are shed); try again in ${retryAfterSec} s.`,
    {
      extensions: { reason: LOAD_SHED_REASON, tier, retryAfter: retryAfterSec },
      headers: { 'Retry-After': String(retryAfterSec) },
    },
  );
}
