import { type Agent, request } from 'node:http';

/** A GraphQL response as a test sees it. */
export interface GraphQLHttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
}

/** Options of {@link postGraphQL}. */
export interface PostOptions {
  variables?: Record<string, unknown>;
  operationName?: string;
  headers?: Record<string, string>;
  /** Source address on the loopback net (e.g. `127.0.0.2`), to be another client by IP. */
  localAddress?: string;
  /** The connections to send on (a keep-alive agent whose sockets are open already). Default Node's global agent. */
  agent?: Agent;
}

/** POSTs one operation as JSON and parses the answer. */
export function postGraphQL(
  url: string,
  query: string,
  options: PostOptions = {},
): Promise<GraphQLHttpResponse> {
  const { variables, operationName } = options;
  return postRaw(url, JSON.stringify({ query, variables, operationName }), options);
}

/** POSTs a raw body (for malformed requests); `content-type` defaults to JSON. */
export function postRaw(url: string, body: string, options: PostOptions = {}): Promise<GraphQLHttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress: options.localAddress,
        ...(options.agent ? { agent: options.agent } : {}),
        headers: { 'content-type': 'application/json', ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
          } catch {
            reject(new Error(`not JSON (HTTP ${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
