import { createHmac, randomBytes } from 'node:crypto';

/** Hex characters kept of the HMAC: 64 bits, enough to tell clients apart in logs. */
const REF_HEX_CHARS = 16;

/**
 * Returns a function that maps a client id (`ip:…`, `key:…`) to a stable reference for logs:
 * the first 64 bits of HMAC-SHA256 under `secret`. Without the secret the reference cannot be
 * turned back into an IP address (a plain hash of an IPv4 address could be, by trying all 2³²),
 * and it does not match the key hash in the client's Redis key names either.
 *
 * @param secret shared by every process whose logs should agree on references; default a random
 *   per-process secret (references then change on restart).
 */
export function createClientRef(secret: string | null = null): (clientId: string) => string {
  const key = secret ?? randomBytes(32);
  return (clientId) => createHmac('sha256', key).update(clientId).digest('hex').slice(0, REF_HEX_CHARS);
}
