import type { IncomingHttpHeaders } from 'node:http';
import type { TierName } from '../config/index.js';

/** Who is calling, as the limiter keys them. */
export interface ClientIdentity {
  /**
   * Stable, non-secret id: `key:<key id>` for an API key, `ip:<address>` otherwise (an IPv6
   * address as its prefix). It names the client's Redis keys, so it never holds a secret.
   */
  id: string;
  /** The tier whose bucket applies. */
  tier: TierName;
}

/** The API key the request carries, in `x-api-key` or `Authorization: Bearer …`, if any. */
export function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-api-key'];
  const direct = Array.isArray(header) ? header[0] : header;
  if (direct !== undefined && direct.trim() !== '') return direct.trim();
  const authorization = headers.authorization;
  if (authorization === undefined) return undefined;
  // A malformed Authorization header is a bad credential, not an absent one.
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? authorization;
}

/** An anonymous client at `address` (for servers without API keys, such as benchmarks' baselines). */
export function anonymousClient(address: string | undefined): ClientIdentity {
  return { id: `ip:${address ?? 'unknown'}`, tier: 'anonymous' };
}
