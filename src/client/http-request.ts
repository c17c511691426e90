import type { OperationRef } from './price-book.js';

/**
 * Reads a GraphQL-over-HTTP request as `fetch` is handed it (by graphql-request, urql, or an app):
 * which operations it carries, and the headers Tollgate needs. No Node imports.
 */

/** A request the paced `fetch` can price, send, and send again. */
export interface GraphQLHttpRequest {
  /** The operations in it: one, or one per member of a batch. */
  operations: OperationRef[];
  /** The name of each operation, when it has one. */
  operationNames: Array<string | undefined>;
  /** The `init` to send it with: the caller's, its body read once so that a retry can send it again. */
  init: RequestInit;
  signal: AbortSignal | undefined;
}

/** Headers the paced `fetch` adds to every GraphQL request it sends. */
export interface AddedHeaders {
  /** Sent as `x-api-key` unless the request carries one. */
  apiKey?: string | undefined;
}

/**
 * The GraphQL request in `input` and `init`, with the API key and a CSRF-prevention header added;
 * `undefined` when it is not a GraphQL request this module can read (a file upload, a stream, any
 * other URL): such a request is sent as it is, neither paced nor retried.
 */
export async function readGraphQLRequest(
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  added: AddedHeaders,
): Promise<GraphQLHttpRequest | undefined> {
  const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined;
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
  let body = init?.body ?? undefined;
  if (body === undefined && request && method !== 'GET' && method !== 'HEAD')
    body = await request.clone().text();
  const url = request ? request.url : input instanceof URL ? input.href : String(input);
  const payload =
    method === 'GET' ? payloadOfSearch(url) : typeof body === 'string' ? parseJson(body) : undefined;
  const members = Array.isArray(payload) ? payload : [payload];
  const operations: OperationRef[] = [];
  const operationNames: Array<string | undefined> = [];
  for (const member of members) {
    const operation = operationOf(member);
    if (!operation) return undefined;
    operations.push(operation.ref);
    operationNames.push(operation.name);
  }
  const headers = new Headers(init?.headers ?? request?.headers);
  if (added.apiKey && !headers.has('x-api-key')) headers.set('x-api-key', added.apiKey);
  // Apollo Server's CSRF prevention refuses a "simple" request (a GET, or a POST a form could
  // send); this header makes none of them simple, without turning the prevention off.
  if (!headers.has('apollo-require-preflight') && !headers.has('x-apollo-operation-name')) {
    headers.set('apollo-require-preflight', 'true');
  }
  return {
    operations,
    operationNames,
    init: { ...init, headers, ...(body === undefined ? {} : { body }) },
    signal: init?.signal ?? request?.signal ?? undefined,
  };
}

/** A GET's operation, from its query string (GraphQL over HTTP). */
function payloadOfSearch(url: string): unknown {
  const search = new URL(url, 'http://localhost').searchParams;
  const query = search.get('query');
  const extensions = search.get('extensions');
  if (query === null && extensions === null) return undefined;
  const variables = search.get('variables');
  return {
    query,
    operationName: search.get('operationName'),
    variables: variables === null ? undefined : parseJson(variables),
    extensions: extensions === null ? undefined : parseJson(extensions),
  };
}

/** One operation's price key: its name and document (or persisted-query hash), and its variables. */
function operationOf(member: unknown): { ref: OperationRef; name: string | undefined } | undefined {
  if (typeof member !== 'object' || member === null) return undefined;
  const { query, operationName, variables, extensions } = member as Record<string, unknown>;
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
    ?.sha256Hash;
  const document = typeof query === 'string' ? query : typeof persisted === 'string' ? persisted : undefined;
  if (document === undefined) return undefined;
  const name = typeof operationName === 'string' ? operationName : undefined;
  return {
    ref: { document: `${name ?? ''}\n${document}`, variables: JSON.stringify(variables ?? {}) },
    name,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
