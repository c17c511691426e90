import { type Agent, request } from 'node:http';

/** An HTTP answer as the hostile-input tests see it: the body as text, and as JSON when it is. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** Options of {@link send}. */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The query string, with its `?`. */
  search?: string;
  agent?: Agent;
  /** Source address on the loopback net (e.g. `127.0.0.2`), to be another client by IP. */
  localAddress?: string;
}

/** Sends any request (any method, headers, body, even malformed ones) and reads the whole answer. */
export function send(url: string, options: SendOptions = {}): Promise<RawAnswer> {
  const target = new URL(url);
  if (options.search !== undefined) target.search = options.search;
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    // Node sends a GET or DELETE body unframed unless told its length.
    if (
      options.body !== undefined &&
      !Object.keys(headers).some((name) => /^(content-length|transfer-encoding)$/i.test(name))
    ) {
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const req = request(
      target,
      { method: options.method ?? 'POST', headers, agent: options.agent, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseOrUndefined(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The `extensions.code` of each error of a GraphQL answer (or of each answer of a batch). */
export function errorCodes(json: unknown): unknown[] {
  const answers = Array.isArray(json) ? json : [json];
  return answers.flatMap((answer) => {
    const errors = (answer as { errors?: Array<{ extensions?: { code?: unknown } }> } | null)?.errors ?? [];
    return errors.map((error) => error.extensions?.code);
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
