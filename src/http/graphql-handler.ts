import { type IncomingMessage, type RequestListener, type ServerResponse, STATUS_CODES } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { TollgateContext } from '../context.js';
import { ERROR_STATUS } from '../errors.js';
import type { InputLimits } from '../limits/limits.js';
import { checkBodyNesting, checkRequestLimits, RequestRefusal } from '../limits/request-limits.js';
import { type CorsOptions, type CorsPolicy, createCorsPolicy } from './cors.js';
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
  /** The schema served: with `limits`, a batch over a document limit is refused whole. Default none. */
  schema?: GraphQLSchema;
  /** Path of the GraphQL endpoint. Default `/graphql`. */
  path?: string;
  /** More `GET` routes by path (`/metrics`, `/ready`: `createOpsRoutes`). */
  routes?: ReadonlyMap<string, RouteHandler>;
  /**
   * Cross-origin requests from browser pages to the GraphQL path and `/health` (`createCorsPolicy`).
   * Default none, as with no origins: no CORS headers, and an OPTIONS is answered as before.
   */
  cors?: CorsOptions;
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
  const cors =
    options.cors && options.cors.origins.length > 0
      ? createCorsPolicy(options.cors.origins, { apiKeyHeader: options.cors.apiKeyHeader })
      : undefined;

  const { limits } = options;
  const beforeParse = limits ? (text: string) => checkBodyNesting(text, limits) : undefined;

  return async (request, response) => {
    // Read from a connection the drain has already ended: no answer can reach the client, so run
    // (and charge) nothing.
    if (request.socket.writableEnded) return void request.socket.destroy();
    try {
      const url = parseRequestTarget(request.url);
      if (!url) {
        return sendError(response, 400, 'BAD_REQUEST', 'The request target is not a path on this server.');
      }
      // Whether CORS put headers on the answer already: Apollo's are then added to them one by one.
      let corsAddedHeaders = false;
      if (cors && (url.pathname === path || url.pathname === '/health')) {
        const outcome = applyCors(cors, request, response);
        if (outcome === 'answered') return;
        corsAddedHeaders = outcome === 'headers';
      }
      if (url.pathname === '/health' && request.method === 'GET') {
        return sendJson(response, 200, { status: 'ok' });
      }
      const route = options.routes?.get(url.pathname);
      if (route && request.method === 'GET') return await route(request, response);
      if (url.pathname !== path) {
        return sendError(response, 404, 'NOT_FOUND', `Nothing here: GraphQL is served at ${path}.`);
      }
      const body = await readBody(request, maxBodyBytes, beforeParse);
      const method = request.method ?? 'GET';
      if (limits) checkRequestLimits({ method, body, search: url.search }, limits, options.schema);
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method, headers, search: url.search, body },
        context: () => context(request),
      });
      const status = result.status ?? 200;
      if (
        result.body.kind === 'complete' &&
        !corsAddedHeaders &&
        sentAtOnce(response, status, result.headers, result.body.string)
      ) {
        return;
      }
      response.statusCode = status;
      for (const [name, value] of result.headers) {
        // CORS may have said `Vary: Origin` already; Apollo's own Vary must not erase it.
        const vary = name === 'vary' ? response.getHeader('vary') : undefined;
        response.setHeader(name, vary === undefined ? value : `${vary}, ${value}`);
      }
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

/**
 * Sends a whole answer with its head written at once from Apollo's header fields, and says
 * whether it did. `writeHead` checks each field as it writes it; `setHeader` checked, lower-cased
 * and stored each one in the response's own map first, and the head was then written from that
 * map (Tollgate's answers carry four fields). So `getHeader` finds none of them afterwards.
 * Content-Length is set here, since with the head written first Node would send the body chunked.
 * Left to the field-by-field path (false, nothing written): a status whose answer has no body
 * (1xx, 204, 304), where Node leaves Content-Length out, and fields of Apollo's that frame the
 * body themselves (an app's `extensions.http.headers`), which `setHeader` replaces.
 */
function sentAtOnce(response: ServerResponse, status: number, headers: HeaderMap, body: string): boolean {
  if (status < 200 || status === 204 || status === 304) return false;
  const fields: string[] = [];
  for (const [name, value] of headers) {
    if (name === 'content-length' || name === 'transfer-encoding') return false;
    fields.push(name, value);
  }
  fields.push('content-length', String(Buffer.byteLength(body)));
  response.writeHead(status, fields);
  response.end(body);
  return true;
}

/**
 * Applies the CORS policy: answers a preflight completely (`answered`), adds its headers to the
 * answer to come, whatever its status (`headers`), or does nothing (`none`: no Origin).
 */
function applyCors(
  cors: CorsPolicy,
  request: IncomingMessage,
  response: ServerResponse,
): 'answered' | 'headers' | 'none' {
  const decision = cors.decide(request.method, request.headers);
  if (decision.kind === 'none') return 'none';
  if (decision.kind === 'request') {
    for (const [name, value] of Object.entries(decision.headers)) response.setHeader(name, value);
    return 'headers';
  }
  if (decision.status === 204) {
    response.writeHead(204, decision.headers);
    response.end();
  } else {
    for (const [name, value] of Object.entries(decision.headers)) response.setHeader(name, value);
    sendError(
      response,
      ERROR_STATUS.CORS_ORIGIN_NOT_ALLOWED,
      'CORS_ORIGIN_NOT_ALLOWED',
      'Pages of this origin may not call this API: the server does not list it for cross-origin requests.',
    );
  }
  return 'answered';
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
  // The reason phrase named: a `writeHead` that threw on a bad field left its own behind.
  response.writeHead(status, STATUS_CODES[status] ?? 'unknown', {
    'content-type': 'application/json; charset=utf-8',
  });
  response.end(JSON.stringify(body));
}
