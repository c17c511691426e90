import type { Server, ServerResponse } from 'node:http';

/** Started by {@link closeConnectionsOnDrain}; `start()` when the server begins to drain. */
export interface ConnectionDrain {
  start(): void;
}

/**
 * Makes every answer sent once draining has started say `Connection: close`, and close its
 * connection after it. Without it, a keep-alive client reads a normal answer, sends its next
 * request on the same socket, and the drain, which ends each socket once its last answer is
 * out, cuts that request off: the client sees a connection reset instead of a refusal it
 * could retry elsewhere.
 */
export function closeConnectionsOnDrain(httpServer: Server): ConnectionDrain {
  const unanswered = new Set<ServerResponse>();
  let draining = false;
  httpServer.on('request', (_request, response: ServerResponse) => {
    if (draining) {
      response.shouldKeepAlive = false;
      return;
    }
    unanswered.add(response);
    response.once('close', () => unanswered.delete(response));
  });
  return {
    start() {
      draining = true;
      for (const response of unanswered) {
        if (!response.headersSent) response.shouldKeepAlive = false;
      }
      unanswered.clear();
    },
  };
}
