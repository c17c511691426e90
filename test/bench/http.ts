import { Agent, request } from 'node:http';

/** One answer as the benchmark records it. */
export interface Answer {
  /** HTTP status, or 0 when no answer came (connection error or timeout). */
  status: number;
  /** `errors[0].extensions.code`, or `TIMEOUT` / `NO_ANSWER` when no answer came. */
  code: string | null;
  /** Whether `data` came back with the root field's value and no error. */
  served: boolean;
  latencyMs: number;
}

/** Options of {@link post}. */
export interface PostOptions {
  /** Loopback source address (`127.0.0.2`…): each address is another client to every contender. */
  localAddress?: string;
  timeoutMs?: number;
}

// Enough sockets for the concurrency test's 1,000 requests in flight at once.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** POSTs `query` and classifies the answer; never rejects. */
export function post(url: string, query: string, options: PostOptions = {}): Promise<Answer> {
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    const finish = (status: number, code: string | null, served: boolean) =>
      resolve({ status, code, served, latencyMs: performance.now() - started });
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        localAddress: options.localAddress,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const [code, served] = classify(Buffer.concat(chunks).toString('utf8'));
          finish(res.statusCode ?? 0, code, served);
        });
      },
    );
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      finish(0, 'TIMEOUT', false);
    });
    req.on('error', () => finish(0, 'NO_ANSWER', false));
    req.end(JSON.stringify({ query }));
  });
}

function classify(text: string): [code: string | null, served: boolean] {
  let body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: { code?: string } }> };
  try {
    body = JSON.parse(text);
  } catch {
    return ['NOT_JSON', false];
  }
  const root = body.data ? Object.values(body.data)[0] : null;
  return [body.errors?.[0]?.extensions?.code ?? null, root !== null && root !== undefined && !body.errors];
}
