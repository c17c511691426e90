import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { LimiterStore } from '../limiter/store.js';

/** Answers one GET route completely. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Options of {@link createOpsRoutes}. */
export interface OpsRoutesOptions {
  /** The server's metrics registry, served at `/metrics`. */
  registry: Registry;
  /** The store `/ready` pings. */
  store: Pick<LimiterStore, 'kind' | 'ping'>;
  /** How long `/ready` waits for the store's answer, in ms. Default 1000. */
  readyTimeoutMs?: number;
  /** Whether the server is draining (stopping): `/ready` then answers 503 at once. Default never. */
  draining?: () => boolean;
}

/**
 * The operator's routes: `GET /metrics` (Prometheus text format) and `GET /ready` (200 when the
 * store answers a ping within `readyTimeoutMs`, else 503; 503 `draining` once the server is
 * stopping, so that a load balancer sends it no more). `/health` (the process is up) stays with
 * the HTTP front, which needs nothing to answer it.
 */
export function createOpsRoutes(options: OpsRoutesOptions): ReadonlyMap<string, RouteHandler> {
  const { registry, store } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 1000;

  const metrics: RouteHandler = async (_request, response) => {
    const text = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    response.end(text);
  };
  const ready: RouteHandler = async (_request, response) => {
    if (options.draining?.()) {
      response.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      return void response.end(JSON.stringify({ status: 'draining' }));
    }
    const startedAt = Date.now();
    const problem = await pingWithin(store, readyTimeoutMs);
    const body = {
      status: problem ? 'unavailable' : 'ready',
      store: {
        kind: store.kind,
        ok: !problem,
        latencyMs: Date.now() - startedAt,
        ...(problem ? { error: problem } : {}),
      },
    };
    response.writeHead(problem ? 503 : 200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    response.end(JSON.stringify(body));
  };
  return new Map([
    ['/metrics', metrics],
    ['/ready', ready],
  ]);
}

/** `null` when the store answered in time, else why not (no addresses: the body is public). */
async function pingWithin(store: Pick<LimiterStore, 'ping'>, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    // race() also handles a ping that rejects after the deadline won.
    return await Promise.race([
      store.ping().then(
        () => null,
        () => 'the store refused the ping',
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
