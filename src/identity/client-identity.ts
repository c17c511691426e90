import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4 } from 'node:net';
import type { TierName } from '../config.js';

/** Who is calling, as the limiter keys them. */
export interface ClientIdentity {
  /**
   * Stable, non-secret id: `key:<sha256 prefix>` for an API key, `ip:<address>` otherwise. It names
   * the client's Redis keys, so it never holds the key itself.
   */
  id: string;
  /** The tier whose bucket applies. */
  tier: TierName;
}

/**
 * Identifies the caller from the API key in `x-api-key` or `Authorization: Bearer …`, else from
 * the TCP peer address. (Keys are not validated yet: any key is taken at its word, `free` tier.)
 */
export function identifyClient(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
): ClientIdentity {
  const key = apiKeyOf(headers);
  if (key) return { id: `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`, tier: 'free' };
  return { id: `ip:${normalizeAddress(remoteAddress ?? 'unknown')}`, tier: 'anonymous' };
}

/** The API key the request carries, if any. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct?.trim()) return direct.trim();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

// An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d; it is the same client.
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(.+)$/i.exec(address)?.[1];
  return mapped && isIPv4(mapped) ? mapped : address.toLowerCase();
}
