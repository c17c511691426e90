import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { TollgateContext } from '../context.js';
import type { InputLimits } from '../limits/limits.js';
import { checkRequestLimits, RequestRefusal } from '../limits/request-limits.js';
import type { RouteHandler } from './ops-routes.js';
import { BodyError, readBody } from './read-body.js';
import { parseRequestTarget } from './request-target.js';

/** Options of {@link createRequestListener}. */
export interface RequestListenerOptions {
  apollo: ApolloServer<TollgateContext>;
  /** Builds the per-request context (identity first: it decides the bucket). */
  context: (request: IncomingMessage) => Promise<TollgateContext>;
  /** Largest accepted request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Batch size, document and variables size, checked before Apollo sees the request. Default none. */
  limits?: InputLimits;
  /** Path of the GraphQL endpoint. Default `/graphql`. */
  path?: string;
  /** More `GET` routes by path (`/metrics`, `/ready`: `createOpsRoutes`). */
  routes?: ReadonlyMap<string, RouteHandler>;
  /** Told of failures that are not the client's (they answer 500). */
  onError: (error: unknown) => void;
}

/**
 * The HTTP front of Tollgate on plain `node:http`: `GET /health`, and the GraphQL endpoint
 * handed to Apollo's `executeHTTPGraphQLRequest`. Anything that is not GraphQL over HTTP gets a
 * coded 4xx in GraphQL's error shape; nothing here answers 5xx for a client's mistake.
 */
export function createRequestListener(options: RequestListenerOptions): RequestListener {
  const { apollo, context, onError } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const path = options.path ?? '/graphql';

  return async (request, response) => {
    // Read from a connection the drain has already ended: no answer can reach the client, so run
    // (and charge) nothing.
    if (request.socket.writableEnded) return void request.socket.destroy();
    try {
      const url = parseRequestTarget(request.url);
      if (!url) {
        return sendError(response, 400, 'BAD_REQUEST', 'The request target is not a path on this server.');
      }
      if (url.pathname === '/health' && request.method === 'GET') {
        return sendJson(response, 200, { status: 'ok' });
      }
      const route = options.routes?.get(url.pathname);
      if (route && request.method === 'GET') return await route(request, response);
      if (url.pathname !== path) {
        return sendError(response, 404, 'NOT_FOUND', `Nothing here: GraphQL is served at ${path}.`);
      }
      const body = await readBody(request, maxBodyBytes);
      const method = request.method ?? 'GET';
      if (options.limits) checkRequestLimits({ method, body, search: url.search }, options.limits);
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: url.search, body },
        context: () => context(request),
      });
      response.statusCode = result.status ?? 200;
      for (const [name, value] of result.headers) response.setHeader(name, value);
      if (result.body.kind === 'complete') return void response.end(result.body.string);
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    } catch (error) {
      if (error instanceof BodyError) {
        return sendError(response, error.status, 'BAD_REQUEST', error.message);
      }
      if (error instanceof RequestRefusal) {
        const limit = error.limit === undefined ? {} : { limit: error.limit };
        return sendError(response, error.status, error.code, error.message, limit);
      }
      // Not the client's fault; Apollo already answers its own failures, so this is rare.
      onError(error);
      sendError(response, 500, 'INTERNAL_SERVER_ERROR', 'The request could not be handled.');
    }
  };
}

function sendError(
  response: ServerResponse,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  sendJson(response, status, { errors: [{ message, extensions: { code, ...extensions } }] });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return void response.end();
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
