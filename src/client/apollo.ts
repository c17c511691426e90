import { ServerError } from '@apollo/client/errors';
import { ApolloLink } from '@apollo/client/link';
import { type DocumentNode, OperationTypeNode, print } from 'graphql';
import { Observable, type Observer, type Subscription } from 'rxjs';
import type { CostExtension } from '../plugin/feedback.js';
import type { Answer, GraphQLResultLike, HeaderSource } from './answer.js';
import { Pacer, type PacerOptions, type PacerStats } from './pacer.js';
import type { OperationRef } from './price-book.js';

/**
 * `tollgate/client/apollo`: an Apollo Client 4 link that paces operations to Tollgate. Put it
 * before the terminating link (`HttpLink`): it holds each query and mutation back until the bucket
 * can pay for it, and sends a refused one again once its `Retry-After` has passed, whether the
 * refusal reached it as a result (`application/graphql-response+json`, Apollo Client's default,
 * which hides the status: the error's `RATE_LIMITED` and `retryAfter` tell) or as a `ServerError`
 * with status 429. `COST_ESTIMATED_TOO_EXPENSIVE` and every other error go to the app at once.
 * Subscriptions pass through.
 */

/** What {@link TollgateLinkOptions.onCost} is told with each priced result. */
export interface LinkCostReport {
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** The operation's context, as the app gave it (`client.query({ context })`) and links added to it. */
  context: Readonly<Record<string, unknown>>;
  /** Requests sent for it (1 + retries). */
  attempts: number;
  /** Milliseconds it waited: pacing and retries. */
  waitedMs: number;
}

/** Options of {@link createTollgateLink}; pacing and retries as in {@link PacerOptions}. */
export interface TollgateLinkOptions extends PacerOptions {
  /** Sent as `x-api-key` unless the operation's headers carry one. Default none (the anonymous tier). */
  apiKey?: string;
  /**
   * Told the cost of each operation answered (`extensions.cost`), after its last attempt. Apollo
   * Client 4 gives `extensions` to mutation results only; this reaches every operation. Default none.
   */
  onCost?: (cost: CostExtension, report: LinkCostReport) => void;
}

/** The link, and the counters of everything it paced. */
export type TollgateLink = ApolloLink & { readonly stats: Readonly<PacerStats> };

/**
 * Creates the link: `ApolloLink.from([createTollgateLink({ apiKey }), new HttpLink({ uri })])`.
 * One per client (one bucket model for all its operations). It adds `x-api-key` (`apiKey`) and
 * `apollo-require-preflight: true` to each operation's headers, so that `useGETForQueries` gets
 * past Apollo Server's CSRF prevention too.
 */
export function createTollgateLink(options: TollgateLinkOptions = {}): TollgateLink {
  const pacer = new Pacer(options);
  const printed = new WeakMap<DocumentNode, string>();
  const refOf = (operation: ApolloLink.Operation): OperationRef => {
    let text = printed.get(operation.query);
    if (text === undefined) {
      text = print(operation.query);
      printed.set(operation.query, text);
    }
    return {
      document: `${operation.operationName ?? ''}\n${text}`,
      variables: JSON.stringify(operation.variables ?? {}),
    };
  };

  const link = new ApolloLink((operation, forward) => {
    operation.setContext(({ headers }) => ({ headers: withTollgateHeaders(headers, options.apiKey) }));
    if (operation.operationType === OperationTypeNode.SUBSCRIPTION) return forward(operation);
    return new Observable<ApolloLink.Result>((observer) => {
      const abort = new AbortController();
      let attempt: Attempt | undefined;
      const send = () => {
        attempt?.dispose();
        attempt = new Attempt(forward(operation), operation);
        return attempt.answered;
      };
      pacer
        .run([refOf(operation)], send, { signal: abort.signal })
        .then((outcome) => {
          const cost = outcome.answer.results[0]?.extensions?.cost;
          if (cost && options.onCost) {
            options.onCost(cost, {
              operationName: operation.operationName,
              variables: operation.variables,
              context: operation.getContext(),
              attempts: outcome.attempts,
              waitedMs: outcome.waitedMs,
            });
          }
          attempt?.deliverTo(observer);
        })
        .catch((error: unknown) => {
          if (!abort.signal.aborted) observer.error(error);
        });
      return () => {
        abort.abort();
        attempt?.dispose();
      };
    });
  });
  return Object.assign(link, { stats: pacer.stats });
}

type LinkEvent =
  | { kind: 'next'; result: ApolloLink.Result }
  | { kind: 'error'; error: unknown }
  | { kind: 'complete' };

/**
 * One send of the operation down the chain: resolves {@link answered} with the first thing that
 * comes back, keeps everything that follows until it is known whether the app gets it
 * ({@link deliverTo}) or it is thrown away for a retry ({@link dispose}).
 */
class Attempt {
  readonly answered: Promise<{ value: undefined; answer: Answer }>;
  private readonly events: LinkEvent[] = [];
  private target: Observer<ApolloLink.Result> | undefined;
  private readonly subscription: Subscription;
  /** Nothing has come back yet: {@link answered} is still open. */
  private waiting = true;
  private fail: (error: unknown) => void = () => {};

  constructor(source: Observable<ApolloLink.Result>, operation: ApolloLink.Operation) {
    let resolve: (first: { value: undefined; answer: Answer }) => void = () => {};
    this.answered = new Promise((res, rej) => {
      resolve = res;
      this.fail = rej;
    });
    const answer = (first: Answer) => {
      if (this.waiting) resolve({ value: undefined, answer: first });
      this.waiting = false;
    };
    this.subscription = source.subscribe({
      next: (result) => {
        answer(answerOfResult(result, operation));
        this.push({ kind: 'next', result });
      },
      error: (error: unknown) => {
        // A ServerError is an answer (429, 400 with application/json); anything else never reached
        // Tollgate's judgement, or the network failed: the pacer counts it as kept, and it goes on.
        if (ServerError.is(error)) answer(answerOfServerError(error));
        else this.giveUp(error);
        this.push({ kind: 'error', error });
      },
      complete: () => {
        answer({ status: undefined, results: [], headers: undefined });
        this.push({ kind: 'complete' });
      },
    });
  }

  /** Hands what came back, and what is still to come, to the app's observer. */
  deliverTo(observer: Observer<ApolloLink.Result>): void {
    this.target = observer;
    for (const event of this.events.splice(0)) emit(observer, event);
  }

  /**
   * Stops listening: before a retry, or when the app unsubscribed. Unanswered, the attempt fails,
   * so that the pacer settles it and never keeps its turn at the gate.
   */
  dispose(): void {
    this.subscription.unsubscribe();
    this.giveUp(new DOMException('The operation was unsubscribed.', 'AbortError'));
  }

  private giveUp(error: unknown): void {
    if (this.waiting) this.fail(error);
    this.waiting = false;
  }

  private push(event: LinkEvent): void {
    if (this.target) emit(this.target, event);
    else this.events.push(event);
  }
}

function emit(observer: Observer<ApolloLink.Result>, event: LinkEvent): void {
  if (event.kind === 'next') observer.next(event.result);
  else if (event.kind === 'error') observer.error(event.error);
  else observer.complete();
}

/** A result: `HttpLink` puts the `Response` in the context, which shows the status and headers. */
function answerOfResult(result: ApolloLink.Result, operation: ApolloLink.Operation): Answer {
  const response = responseIn(operation.getContext());
  return { status: response?.status, results: [result as GraphQLResultLike], headers: response?.headers };
}

function answerOfServerError(error: ServerError): Answer {
  let body: unknown;
  try {
    body = JSON.parse(error.bodyText);
  } catch {
    body = undefined;
  }
  const results = (Array.isArray(body) ? body : [body]).filter(
    (result): result is GraphQLResultLike => typeof result === 'object' && result !== null,
  );
  return { status: error.statusCode, results, headers: error.response.headers };
}

function responseIn(
  context: Readonly<Record<string, unknown>>,
): { status: number; headers: HeaderSource } | undefined {
  const response = context.response as { status?: unknown; headers?: { get?: unknown } } | undefined;
  if (typeof response?.status !== 'number' || typeof response.headers?.get !== 'function') return undefined;
  return response as { status: number; headers: HeaderSource };
}

/** The operation's headers with the API key and the CSRF-prevention header, unless it has them. */
function withTollgateHeaders(
  headers: Record<string, string> | undefined,
  apiKey: string | undefined,
): Record<string, string> {
  const names = new Set(Object.keys(headers ?? {}).map((name) => name.toLowerCase()));
  return {
    ...(apiKey && !names.has('x-api-key') ? { 'x-api-key': apiKey } : {}),
    ...(names.has('apollo-require-preflight') || names.has('x-apollo-operation-name')
      ? {}
      : { 'apollo-require-preflight': 'true' }),
    ...headers,
  };
}
