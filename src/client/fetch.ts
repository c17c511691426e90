import { type PacedFetchOptions, pacedFetch } from './paced-fetch.js';
import { Pacer, type PacerOptions, type PacerStats } from './pacer.js';

export type { CostReport } from './paced-fetch.js';

/**
 * `tollgate/client/fetch`: a `fetch` that paces GraphQL requests to Tollgate. Hand it to any
 * library that takes a `fetch` (graphql-request's `fetch` option, urql through
 * `tollgate/client/urql`) or call it yourself. It never turns an answer into a throw: a 200 with
 * a field's `RATE_LIMITED` in `errors` comes back as it came, partial data and all; a refusal it
 * could not outwait comes back as the 429 it is. No dependencies, no Node imports.
 */

/** Options of {@link createTollgateFetch}; pacing and retries as in {@link PacerOptions}. */
export interface TollgateFetchOptions extends PacerOptions, PacedFetchOptions {
  /** The `fetch` that sends. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** The paced `fetch`, and its counters. */
export type TollgateFetch = typeof fetch & {
  /** Requests sent, 429s absorbed, time waited: one set for everything this `fetch` sent. */
  readonly stats: Readonly<PacerStats>;
};

/**
 * Creates a paced `fetch`: one bucket model, so one per API key, shared by every request that goes
 * through it. Each GraphQL request (GET or POST, single or batched) waits until the bucket can
 * hold its price; a 429 or 503 is sent again after its `Retry-After` (and once it fits), up to
 * `maxRetries` times. Any other request passes through untouched. Adds `x-api-key` (`apiKey`) and
 * `apollo-require-preflight: true`, which gets GETs past Apollo Server's CSRF prevention.
 */
export function createTollgateFetch(options: TollgateFetchOptions = {}): TollgateFetch {
  const pacer = new Pacer(options);
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return Object.assign(pacedFetch(pacer, options, send), { stats: pacer.stats });
}
