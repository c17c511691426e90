import type { CostExtension } from '../plugin/feedback.js';
import type { Answer, GraphQLResultLike } from './answer.js';
import { type AddedHeaders, readGraphQLRequest } from './http-request.js';
import type { Pacer } from './pacer.js';

/**
 * The paced `fetch` itself, shared by `tollgate/client/fetch` and the urql exchange: reads the
 * GraphQL request, runs it through a {@link Pacer}, and hands back the last response untouched.
 */

/** What {@link PacedFetchOptions.onCost} is told with each priced result. */
export interface CostReport {
  /** The operation's name, when the request named it. */
  operationName: string | undefined;
  /** Requests sent for it (1 + retries). */
  attempts: number;
  /** Milliseconds it waited: pacing and retries. */
  waitedMs: number;
}

/** What the paced `fetch` adds to the requests and reports of the answers. */
export interface PacedFetchOptions extends AddedHeaders {
  /**
   * Told the cost of each operation answered (`extensions.cost`: price, actual cost, and the
   * bucket after it), after its last attempt. Default none.
   */
  onCost?: (cost: CostExtension, report: CostReport) => void;
}

/** A `fetch` that sends through `send`, paced by `pacer` (the urql exchange shares one pacer between fetches). */
export function pacedFetch(pacer: Pacer, options: PacedFetchOptions, send: typeof fetch): typeof fetch {
  return async (input, init) => {
    const request = await readGraphQLRequest(input, init, options);
    if (!request) return send(input, init);
    const outcome = await pacer.run(
      request.operations,
      async () => {
        const response = await send(input, request.init);
        return { value: response, answer: await answerOf(response) };
      },
      { signal: request.signal },
    );
    if (options.onCost) {
      outcome.answer.results.forEach((result, i) => {
        const cost = result.extensions?.cost;
        if (cost) {
          options.onCost?.(cost, {
            operationName: request.operationNames[i],
            attempts: outcome.attempts,
            waitedMs: outcome.waitedMs,
          });
        }
      });
    }
    return outcome.value;
  };
}

/**
 * What a response says, read from a copy so that the caller still gets the response untouched.
 * Only a JSON body is read: a stream (`multipart/mixed`, `text/event-stream`) is left to flow.
 */
async function answerOf(response: Response): Promise<Answer> {
  const contentType = response.headers.get('content-type') ?? '';
  let results: GraphQLResultLike[] = [];
  if (/json/i.test(contentType)) {
    try {
      const body: unknown = JSON.parse(await response.clone().text());
      results = (Array.isArray(body) ? body : [body]).filter(
        (result): result is GraphQLResultLike => typeof result === 'object' && result !== null,
      );
    } catch {
      // Not GraphQL: nothing to learn; the status still says whether to try again.
    }
  }
  return { status: response.status, results, headers: response.headers };
}
