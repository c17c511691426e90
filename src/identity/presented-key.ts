import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_API_KEY_HEADER } from '../config/settings.js';
import { API_KEY_PREFIX } from './api-key.js';

/** Where a request may carry a Tollgate API key. */
export interface KeySources {
  /**
   * The header that carries keys, lower case; `null`: no header does. Any non-empty value in it is
   * a key attempt: a wrong one is refused (401) and counted as a failed attempt.
   */
  apiKeyHeader: string | null;
  /**
   * Whether `Authorization: Bearer tg_…` is a key. Only a token with the key prefix is: any other
   * `Authorization` (the app's JWT, Basic, anything malformed) is the app's business, not a key.
   */
  bearerApiKeys: boolean;
}

/** The key sources of a server that does not say otherwise: `x-api-key`, and `Bearer tg_…`. */
export const DEFAULT_KEY_SOURCES: Readonly<KeySources> = {
  apiKeyHeader: DEFAULT_API_KEY_HEADER,
  bearerApiKeys: true,
};

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The API key a request presents, or `undefined` when it presents none: the key header wins, then
 * a bearer token with the key prefix. The text is returned as sent (trimmed); whether it is a
 * well-formed, known key is for the caller to decide.
 */
export function presentedKey(headers: IncomingHttpHeaders, sources: KeySources): string | undefined {
  if (sources.apiKeyHeader !== null) {
    const header = headers[sources.apiKeyHeader];
    const value = (Array.isArray(header) ? header[0] : header)?.trim();
    if (value) return value;
  }
  if (!sources.bearerApiKeys || headers.authorization === undefined) return undefined;
  const token = BEARER.exec(headers.authorization)?.[1];
  return token?.startsWith(API_KEY_PREFIX) ? token : undefined;
}
