import type { CostExtension } from '../plugin/feedback.js';
import { BucketModel, type BucketObservation } from './bucket-model.js';
import { parseRateLimit, parseRateLimitPolicy, parseRetryAfterMs, type RateLimitInfo } from './headers.js';

/**
 * A small GraphQL client for Tollgate that paces itself: fetch only, no Node imports, so it runs
 * in Node 20+ and in browsers. It learns each operation's price and the state of its bucket from
 * Tollgate's answers (`extensions.cost`, `RateLimit`), waits before sending what the bucket could
 * not hold, and when it is refused anyway (429, or 503 while the limiter is down) waits as long as
 * the answer says, plus jitter, and tries again.
 */

/** Options of {@link createTollgateClient}. */
export interface TollgateClientOptions {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** Sent as `x-api-key`. Without it Tollgate limits the caller by IP address (`anonymous` tier). */
  apiKey?: string;
  /** More headers for every request. */
  headers?: Record<string, string>;
  /** Wait before sending so that the bucket never refuses. Default `true`. */
  pace?: boolean;
  /** Retries of one operation after a 429 or 503. Default 5. */
  maxRetries?: number;
  /** Longest single wait before a retry, in ms. Default 60 000. */
  maxRetryWaitMs?: number;
  /** A random extra wait of up to this many ms before each retry, so clients do not retry in step. Default 250. */
  jitterMs?: number;
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
export interface TollgateClientStats {
  /** HTTP requests sent. */
  sent: number;
  /** 429 answers the client absorbed (retried, or returned once retries ran out). */
  throttled: number;
  /** 503 answers (the limiter was unavailable). */
  unavailable: number;
  /** Milliseconds waited before sending, to keep within the bucket. */
  pacedMs: number;
  /** Milliseconds waited before retries. */
  retryWaitMs: number;
  /** The fewest points the bucket was reported to hold. */
  lowestAvailable: number | undefined;
}

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

/** An admitted request: what it took from the model, and how to let the next one in. */
interface Ticket {
  release: () => void;
  waitedMs: number;
  takenPoints: number;
}

interface Reply {
  status: number;
  body: Omit<TollgateResult<unknown>, 'status' | 'cost' | 'rateLimit' | 'attempts' | 'waitedMs'>;
  headers: Headers;
}

/** Creates a {@link TollgateClient}. */
export function createTollgateClient(options: TollgateClientOptions): TollgateClient {
  const pace = options.pace ?? true;
  const maxRetries = options.maxRetries ?? 5;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;
  const jitterMs = options.jitterMs ?? 250;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
    ...options.headers,
    ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
  };
  const stats: TollgateClientStats = {
    sent: 0,
    throttled: 0,
    unavailable: 0,
    pacedMs: 0,
    retryWaitMs: 0,
    lowestAvailable: undefined,
  };
  const bucket = new BucketModel();
  const prices = new Map<string, number>();
  // Answers received so far: tells whether another answer overtook a request while it was out.
  let answers = 0;
  // Admission is one at a time, so that parallel callers are paced against one picture of the bucket.
  let gate: Promise<void> = Promise.resolve();

  /** Waits for this operation's turn and for the bucket; returns how to let the next one in. */
  async function admit(priceOf: () => number | undefined): Promise<Ticket> {
    if (!pace) return { release: () => {}, waitedMs: 0, takenPoints: 0 };
    let open = () => {};
    const previous = gate;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    await previous;
    // Read the price only now: an answer that came in while this one queued may have taught it.
    const costPoints = priceOf();
    // Price or bucket unknown: send this one alone, and let its answer teach the others.
    if (costPoints === undefined || !bucket.isKnown) return { release: open, waitedMs: 0, takenPoints: 0 };
    let waitedMs = 0;
    // Timers may fire a little early: check again rather than send a hair too soon.
    for (let waitMs = bucket.waitMsFor(costPoints, Date.now()); waitMs > 0; ) {
      await sleep(waitMs);
      waitedMs += waitMs;
      waitMs = bucket.waitMsFor(costPoints, Date.now());
    }
    stats.pacedMs += waitedMs;
    bucket.take(costPoints, Date.now());
    open();
    return { release: () => {}, waitedMs, takenPoints: costPoints };
  }

  /** Sends one request and learns from its answer. */
  async function send(
    query: string,
    request: TollgateRequestOptions,
    priceKey: string,
    takenPoints: number,
  ): Promise<Reply> {
    const { variables, operationName, signal } = request;
    stats.sent++;
    const answersAtSend = answers;
    let answered = false;
    try {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, variables, operationName }),
        ...(signal ? { signal } : {}),
      });
      const text = await response.text();
      // Nothing awaits from here to the end of learn(): the report, what is still pending and
      // whether another answer overtook this one are all read at the same instant.
      answered = true;
      const alone = answers++ === answersAtSend;
      let body: Reply['body'];
      try {
        body = JSON.parse(text) as Reply['body'];
      } catch {
        bucket.settle(takenPoints, takenPoints);
        throw new TollgateClientError(`HTTP ${response.status}: not a GraphQL response`, response.status);
      }
      const reply = { status: response.status, body, headers: response.headers };
      learn(priceKey, reply, takenPoints, alone);
      return reply;
    } finally {
      // No answer: assume the server kept it all, the safe side.
      if (!answered) bucket.settle(takenPoints, takenPoints);
    }
  }

  /** Updates the price of this operation and the picture of the bucket from an answer. */
  function learn(priceKey: string, reply: Reply, takenPoints: number, alone: boolean): void {
    const cost = reply.body.extensions?.cost;
    const refused = reply.body.errors?.find((error) => typeof error.extensions?.cost === 'number');
    const price = cost?.requestedQueryCost ?? (refused?.extensions?.cost as number | undefined);
    if (price !== undefined) prices.set(priceKey, price);
    // What the server kept: the actual cost of an operation it ran, nothing when it refused.
    const charged = reply.status === 200 ? (cost?.actualQueryCost ?? 0) : 0;
    if (pace) bucket.settle(takenPoints, charged);
    const observation = observationOf(reply);
    if (!observation) return;
    if (pace) bucket.observe(observation, Date.now(), alone);
    stats.lowestAvailable = Math.min(stats.lowestAvailable ?? Infinity, observation.availablePoints);
  }

  function retryDelayMs(reply: Reply): number {
    const refused = reply.body.errors?.[0]?.extensions;
    const rate = reply.body.extensions?.cost?.throttleStatus?.restoreRate;
    const { cost, available } = refused ?? {};
    // The 429 says how many points are missing; Retry-After rounds that up to whole seconds.
    const exactMs =
      typeof cost === 'number' && typeof available === 'number' && rate
        ? Math.ceil(((cost - available) / rate) * 1000)
        : undefined;
    const needMs = exactMs ?? parseRetryAfterMs(reply.headers.get('retry-after'), Date.now()) ?? 1000;
    return Math.min(needMs, maxRetryWaitMs) + Math.round(Math.random() * jitterMs);
  }

  return {
    stats,
    async request<TData>(query: string, request: TollgateRequestOptions = {}) {
      const priceKey = `${request.operationName ?? ''}\n${JSON.stringify(request.variables ?? {})}\n${query}`;
      let waitedMs = 0;
      for (let attempt = 1; ; attempt++) {
        const ticket = await admit(() => request.costHint ?? prices.get(priceKey));
        waitedMs += ticket.waitedMs;
        let reply: Reply;
        try {
          reply = await send(query, request, priceKey, ticket.takenPoints);
        } finally {
          ticket.release();
        }
        if (reply.status === 429) stats.throttled++;
        if (reply.status === 503) stats.unavailable++;
        const retryable = reply.status === 429 || reply.status === 503;
        if (!retryable || attempt > maxRetries) {
          const cost = reply.body.extensions?.cost;
          const rateLimit = parseRateLimit(reply.headers.get('ratelimit'))[0];
          return {
            ...(reply.body as TollgateResult<TData>),
            status: reply.status,
            cost,
            rateLimit,
            attempts: attempt,
            waitedMs,
          };
        }
        const delayMs = retryDelayMs(reply);
        stats.retryWaitMs += delayMs;
        waitedMs += delayMs;
        await sleep(delayMs);
      }
    },
  };
}

/** The bucket as an answer describes it: `extensions.cost.throttleStatus`, else the RateLimit fields. */
function observationOf(reply: Reply): BucketObservation | undefined {
  const status = reply.body.extensions?.cost?.throttleStatus;
  if (status) {
    return {
      availablePoints: status.currentlyAvailable,
      capacityPoints: status.maximumAvailable,
      restorePerSec: status.restoreRate,
    };
  }
  const remaining = parseRateLimit(reply.headers.get('ratelimit'))[0];
  const policy = parseRateLimitPolicy(reply.headers.get('ratelimit-policy')).find(
    (candidate) => candidate.policy === remaining?.policy,
  );
  if (!remaining || !policy?.windowSec) return undefined;
  // `w` is a whole number of seconds rounded up, so this rate errs on the slow, safe side.
  return {
    availablePoints: remaining.remaining,
    capacityPoints: policy.quota,
    restorePerSec: policy.quota / policy.windowSec,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
