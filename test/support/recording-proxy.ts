import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server saw it, and how it was answered. */
export interface RecordedExchange {
  method: string;
  /** The path and query string (a GET's operation is in it). */
  target: string;
  /** The request body (a POST's operation). */
  body: string;
  headers: IncomingHttpHeaders;
  /** When the request had fully arrived (`Date.now()`). */
  arrivedAtMs: number;
  /** When the server's answer came back to the proxy. */
  answeredAtMs: number;
  status: number;
  /** `Retry-After` of the answer, in seconds, when it had one. */
  retryAfterSec: number | undefined;
}

/** A recording HTTP proxy in front of a server. */
export interface RecordingProxy {
  /** The proxy's URL for `upstreamUrl`'s path. */
  url: string;
  /** Every exchange so far, in the order the requests arrived. */
  exchanges: RecordedExchange[];
  stop(): Promise<void>;
}

/**
 * Starts a proxy on an ephemeral port that forwards every request to `upstreamUrl`'s origin and
 * records it: what the server saw arrive and when, and what it answered (status, `Retry-After`).
 * It lets a test judge a client from the server's side.
 */
export async function startRecordingProxy(upstreamUrl: string): Promise<RecordingProxy> {
  const upstream = new URL(upstreamUrl);
  const exchanges: RecordedExchange[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const exchange: RecordedExchange = {
        method: req.method ?? 'GET',
        target: req.url ?? '/',
        body: body.toString(),
        headers: req.headers,
        arrivedAtMs: Date.now(),
        answeredAtMs: 0,
        status: 0,
        retryAfterSec: undefined,
      };
      exchanges.push(exchange);
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          exchange.answeredAtMs = Date.now();
          exchange.status = answer.statusCode ?? 0;
          const retryAfter = answer.headers['retry-after'];
          exchange.retryAfterSec = retryAfter === undefined ? undefined : Number(retryAfter);
          res.writeHead(exchange.status, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', () => res.destroy());
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    exchanges,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The exchanges grouped by operation (method, target and body: a retry is sent as it was first),
 * each group in arrival order.
 */
export function exchangesByOperation(exchanges: readonly RecordedExchange[]): RecordedExchange[][] {
  const groups = new Map<string, RecordedExchange[]>();
  for (const exchange of exchanges) {
    const key = `${exchange.method} ${exchange.target}\n${exchange.body}`;
    groups.set(key, [...(groups.get(key) ?? []), exchange]);
  }
  return [...groups.values()];
}
