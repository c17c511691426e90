import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_API_KEY_HEADER } from '../config/settings.js';

/**
 * The response headers a page must be allowed to read to pace itself: the bucket, its policy, and
 * how long to wait after a 429. Browsers hide every other header from a cross-origin page; an app
 * that serves Tollgate behind its own CORS middleware lists these in its `exposedHeaders`.
 */
export const RATE_LIMIT_EXPOSED_HEADERS = ['RateLimit', 'RateLimit-Policy', 'Retry-After'] as const;

/**
 * The request headers a preflight allows, next to the API key header: what GraphQL clients send
 * from a browser. `accept` and `content-type` (JSON is not a "simple" type); `authorization`
 * (`Bearer tg_…`, or the app's own token); Apollo Server's CSRF headers; Apollo Client's
 * `clientAwareness`. urql sends only `accept` and `content-type`.
 */
export const CORS_ALLOWED_REQUEST_HEADERS = [
  'accept',
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
] as const;

/** How long a browser may reuse a preflight's answer, in seconds (Chromium caps it at 7200). */
export const PREFLIGHT_MAX_AGE_SEC = 600;

/** Options of {@link createCorsPolicy}. */
export interface CorsOptions {
  /**
   * Origins whose pages may call the API, each `scheme://host[:port]` as browsers send it in
   * `Origin` (lower case, no default port, no path), or `*` alone for any page. Empty: CORS off.
   */
  origins: readonly string[];
  /** The API key header, allowed in preflights; `null`: none. Default `x-api-key`. */
  apiKeyHeader?: string | null;
}

/** What CORS adds to one request's answer; see {@link CorsPolicy.decide}. */
export type CorsDecision =
  /** No `Origin`: not a cross-origin request from a browser; the answer is left as it is. */
  | { kind: 'none' }
  /** A preflight: answer it with `status` and `headers` alone (204 allowed, 403 refused). */
  | { kind: 'preflight'; status: 204 | 403; headers: Readonly<Record<string, string>> }
  /** Any other request from a page: add `headers` to whatever the answer is, errors included. */
  | { kind: 'request'; headers: Readonly<Record<string, string>> };

/** Tells, per request, what the CORS protocol asks of the answer. */
export interface CorsPolicy {
  decide(method: string | undefined, headers: IncomingHttpHeaders): CorsDecision;
}

/**
 * The CORS policy of the GraphQL endpoint. A preflight from an allowed origin gets 204 with the
 * methods (GET, POST), a fixed list of request headers and a max age; from any other origin 403.
 * An actual request from an allowed origin gets `Access-Control-Allow-Origin` (its origin, or `*`)
 * and may read {@link RATE_LIMIT_EXPOSED_HEADERS}. Credentials are never allowed: keys travel in
 * headers, and a cookie-carrying request from another site must not spend them.
 *
 * The allowed request headers are a fixed list rather than a reflection of
 * `Access-Control-Request-Headers`: the list is what the server reads, a header outside it fails
 * loudly in the browser's console instead of being waved through, and the answer depends on the
 * origin alone (`Vary: Origin`), so caches and the browser's preflight cache stay simple.
 */
export function createCorsPolicy(
  origins: readonly string[],
  options: { apiKeyHeader?: string | null } = {},
): CorsPolicy {
  const apiKeyHeader = options.apiKeyHeader === undefined ? DEFAULT_API_KEY_HEADER : options.apiKeyHeader;
  const anyOrigin = origins.includes('*');
  const allowHeaders = [...(apiKeyHeader ? [apiKeyHeader] : []), ...CORS_ALLOWED_REQUEST_HEADERS];
  const vary = { vary: 'Origin' };
  const refusedPreflight: CorsDecision = { kind: 'preflight', status: 403, headers: vary };
  const foreignRequest: CorsDecision = { kind: 'request', headers: vary };
  // Every answer depends on the origin alone: build each allowed origin's answers once.
  const answersOf = (allowOrigin: string) => {
    const request = {
      'access-control-allow-origin': allowOrigin,
      'access-control-expose-headers': RATE_LIMIT_EXPOSED_HEADERS.join(', '),
      ...vary,
    };
    const preflight = {
      'access-control-allow-origin': allowOrigin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': allowHeaders.join(', '),
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SEC),
      ...vary,
    };
    return {
      request: { kind: 'request', headers: request } satisfies CorsDecision,
      preflight: { kind: 'preflight', status: 204, headers: preflight } satisfies CorsDecision,
    };
  };
  const forAny = anyOrigin ? answersOf('*') : undefined;
  const byOrigin = new Map(origins.map((origin) => [origin, answersOf(origin)]));

  return {
    decide(method, headers) {
      const origin = headers.origin;
      if (origin === undefined) return { kind: 'none' };
      const answers = forAny ?? byOrigin.get(origin);
      // A preflight is an OPTIONS naming the method to come (Fetch standard); a bare OPTIONS is not.
      if (method === 'OPTIONS' && headers['access-control-request-method'] !== undefined) {
        return answers?.preflight ?? refusedPreflight;
      }
      return answers?.request ?? foreignRequest;
    },
  };
}
