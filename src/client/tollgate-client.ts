import type { CostExtension } from '../plugin/feedback.js';
import type { Answer } from './answer.js';
import { parseRateLimit, type RateLimitInfo } from './headers.js';
import { Pacer, type PacerOptions, type PacerStats } from './pacer.js';

/**
 * A small GraphQL client for Tollgate that paces itself: fetch only, no Node imports, so it runs
 * in Node 20+ and in browsers. It learns each operation's price and the state of its bucket from
 * Tollgate's answers (`extensions.cost`, `RateLimit`), waits before sending what the bucket could
 * not hold, and when it is refused anyway (429, or 503 while the limiter is down) waits as long as
 * the answer says, plus jitter, and tries again.
 */

/** Options of {@link createTollgateClient}; pacing and retries as in {@link PacerOptions}. */
export interface TollgateClientOptions extends PacerOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** Sent as `x-api-key`. Without it Tollgate limits the caller by IP address (`anonymous` tier). */
  apiKey?: string;
  /** More headers for every request. */
  headers?: Record<string, string>;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** Per-request options of {@link TollgateClient.request}. */
export interface TollgateRequestOptions {
  variables?: Record<string, unknown>;
  operationName?: string;
  /** The operation's price in points when known beforehand (e.g. from `npm run cost`). */
  costHint?: number;
  signal?: AbortSignal;
}

/** A GraphQL error as Tollgate sends it. */
export interface TollgateGraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** What the caller gets back: the GraphQL response and what the client learned on the way. */
export interface TollgateResult<TData> {
  /** HTTP status of the last attempt. */
  status: number;
  data?: TData | null;
  errors?: TollgateGraphQLError[];
  extensions?: Record<string, unknown> & { cost?: CostExtension };
  /** `extensions.cost`: price and bucket after this operation. */
  cost: CostExtension | undefined;
  /** The `RateLimit` header field's first member. */
  rateLimit: RateLimitInfo | undefined;
  /** Requests sent for this operation (1 + retries). */
  attempts: number;
  /** Milliseconds spent waiting for this operation: pacing and retries. */
  waitedMs: number;
}

/** Counters over the client's life. */
export type TollgateClientStats = PacerStats;

/** The client: one per API key (one bucket). */
export interface TollgateClient {
  /** Sends one operation; paces it, retries 429/503, and resolves with the last answer. */
  request<TData = Record<string, unknown>>(
    query: string,
    options?: TollgateRequestOptions,
  ): Promise<TollgateResult<TData>>;
  readonly stats: Readonly<TollgateClientStats>;
}

/** The answer was not a GraphQL response (not JSON): nothing to pace or retry by. */
export class TollgateClientError extends Error {
  override name = 'TollgateClientError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body: Omit<TollgateResult<unknown>, 'status' | 'cost' | 'rateLimit' | 'attempts' | 'waitedMs'>;
  headers: Headers;
}

/** Creates a {@link TollgateClient}. */
export function createTollgateClient(options: TollgateClientOptions): TollgateClient {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...options.headers,
    ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
  };
  const pacer = new Pacer(options);

  /** Sends one request; a body that is not JSON is no GraphQL response, and nothing to pace by. */
  async function send(
    query: string,
    request: TollgateRequestOptions,
  ): Promise<{ value: Reply; answer: Answer }> {
    const { variables, operationName, signal } = request;
    const response = await doFetch(options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, operationName }),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    let body: Reply['body'];
    try {
      body = JSON.parse(text) as Reply['body'];
    } catch {
      throw new TollgateClientError(`HTTP ${response.status}: not a GraphQL response`, response.status);
    }
    const value = { status: response.status, body, headers: response.headers };
    return { value, answer: { status: response.status, results: [body], headers: response.headers } };
  }

  return {
    stats: pacer.stats,
    async request<TData>(query: string, request: TollgateRequestOptions = {}) {
      const operation = {
        document: `${request.operationName ?? ''}\n${query}`,
        variables: JSON.stringify(request.variables ?? {}),
      };
      const {
        value: reply,
        attempts,
        waitedMs,
      } = await pacer.run([operation], () => send(query, request), {
        costHint: request.costHint,
        signal: request.signal,
      });
      return {
        ...(reply.body as TollgateResult<TData>),
        status: reply.status,
        cost: reply.body.extensions?.cost,
        rateLimit: parseRateLimit(reply.headers.get('ratelimit'))[0],
        attempts,
        waitedMs,
      };
    },
  };
}
