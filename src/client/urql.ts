import { type Exchange, makeOperation, mapExchange } from '@urql/core';
import type { TollgateFetchOptions } from './fetch.js';
import { pacedFetch } from './paced-fetch.js';
import { Pacer, type PacerStats } from './pacer.js';

/**
 * `tollgate/client/urql`: an urql exchange that paces every operation the `fetchExchange` sends
 * to Tollgate. It hands each operation a paced `fetch` (`tollgate/client/fetch`), so the pacing,
 * the retries after `Retry-After` and the API key all happen where urql sends, whether as a GET
 * (urql's default for queries) or a POST; the `fetch` adds `apollo-require-preflight`, which gets
 * the GETs past Apollo Server's CSRF prevention. Each result's `extensions.cost` is urql's own
 * `result.extensions.cost`; a field's `RATE_LIMITED` stays in `result.error` next to the data.
 */

/** Options of {@link tollgateExchange}; as the paced `fetch`'s. */
export type TollgateExchangeOptions = TollgateFetchOptions;

/** The exchange, and the counters of everything it paced. */
export type TollgateExchange = Exchange & { readonly stats: Readonly<PacerStats> };

/**
 * Creates the exchange; put it before `fetchExchange`:
 * `exchanges: [cacheExchange, tollgateExchange({ apiKey }), fetchExchange]`. One per client (one
 * bucket model for all its operations). An operation that brings its own `fetch` (the Client's
 * `fetch` option) is sent through it, paced all the same; `options.fetch` is used otherwise.
 */
export function tollgateExchange(options: TollgateExchangeOptions = {}): TollgateExchange {
  const pacer = new Pacer(options);
  const fallback = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const fetches = new WeakMap<typeof fetch, typeof fetch>();
  // An operation urql executes again keeps its context: its fetch is paced already.
  const ours = new WeakSet<typeof fetch>();
  const pacedFor = (send: typeof fetch) => {
    if (ours.has(send)) return send;
    let paced = fetches.get(send);
    if (!paced) {
      paced = pacedFetch(pacer, options, send);
      fetches.set(send, paced);
      ours.add(paced);
    }
    return paced;
  };
  const exchange = mapExchange({
    onOperation: (operation) =>
      makeOperation(operation.kind, operation, {
        ...operation.context,
        fetch: pacedFor(operation.context.fetch ?? fallback),
      }),
  });
  return Object.assign(exchange, { stats: pacer.stats });
}
