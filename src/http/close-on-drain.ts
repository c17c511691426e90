import type { Server, ServerResponse } from 'node:http';

/** Started by {@link closeConnectionsOnDrain}: how a server drains its connections. */
export interface ConnectionDrain {
  /** Every answer from now on closes its connection. The server keeps listening. */
  start(): void;
  /** Whether {@link start} was called. */
  readonly draining: boolean;
  /**
   * Starts draining if not yet, stops listening and closes the connections that carry no
   * request; resolves once every request in progress has been answered and its connection closed.
   * At `timeoutMs` it closes those still open instead and resolves with how many answers they cut.
   */
  close(timeoutMs: number): Promise<{ cut: number }>;
}

/**
 * The connection side of a graceful stop, in two steps.
 *
 * Draining: every answer says `Connection: close` and closes its connection after it. Without
 * it, a keep-alive client reads a normal answer, sends its next request on the same socket, and
 * the stop, which closes each idle socket, cuts that request off: the client sees a connection
 * reset instead of an answer.
 *
 * Closing: the listener closes, and with it every connection that carries no request (Node's
 * `server.close()`: no request being read, none being answered). A request whose first bytes the
 * server has read is answered, however long it takes up to the timeout. (Apollo's drain plugin,
 * used before, ended every socket without a complete request, cutting off requests still being
 * read, and destroyed everything 10 s after the stop: requests in flight were reset and charged.)
 */
export function closeConnectionsOnDrain(httpServer: Server): ConnectionDrain {
  const unanswered = new Set<ServerResponse>();
  let draining = false;
  let closing = false;
  // One listener for every response ('close' comes once), not a closure and a `once` wrapper each.
  function answered(this: ServerResponse): void {
    unanswered.delete(this);
    // An answer whose head went out before the drain kept its connection alive: close it
    // now that it is idle (Node closes only idle connections, never one reading a request).
    if (closing) setImmediate(() => httpServer.closeIdleConnections());
  }
  httpServer.on('request', (_request, response: ServerResponse) => {
    if (draining) response.shouldKeepAlive = false;
    unanswered.add(response);
    response.on('close', answered);
  });

  const start = () => {
    if (draining) return;
    draining = true;
    for (const response of unanswered) {
      if (!response.headersSent) response.shouldKeepAlive = false;
    }
  };

  return {
    start,
    get draining() {
      return draining;
    },
    async close(timeoutMs) {
      start();
      closing = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<true>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      const late = await Promise.race([closed.then(() => false), timedOut]);
      clearTimeout(timer);
      if (!late) return { cut: 0 };
      const cut = unanswered.size;
      httpServer.closeAllConnections();
      await closed;
      return { cut };
    },
  };
}
