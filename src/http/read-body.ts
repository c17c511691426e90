import type { IncomingMessage } from 'node:http';

/** A request body that could not be read as what it claims to be; answered with a 400 or 413. */
export class BodyError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 413 | 415,
  ) {
    super(message);
  }
}

/**
 * Reads a JSON request body of at most `maxBytes`. Bodies that are not declared as JSON are
 * returned as text for Apollo to judge (its CSRF prevention refuses simple requests).
 * `beforeParse` sees JSON text before it is parsed, and may throw to refuse it.
 */
export async function readBody(
  request: IncomingMessage,
  maxBytes: number,
  beforeParse?: (text: string) => void,
): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new BodyError(`The request body exceeds ${maxBytes} bytes.`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyError(`The request body exceeds ${maxBytes} bytes.`, 413);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/(graphql-response\+)?json\b/i.test(contentType)) return text;
  if (text.trim() === '') return undefined;
  beforeParse?.(text);
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError('The request body is not valid JSON.', 400);
  }
}
