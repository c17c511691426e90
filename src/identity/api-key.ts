import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The public prefix of every Tollgate API key: `tg_<id>_<secret>`. */
export const API_KEY_PREFIX = 'tg_';

const KEY_FORMAT = /^tg_([a-z2-7]{10})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A key as a client sends it, split into its public id and its secret. */
export interface ParsedApiKey {
  /** Public: names the key in logs and listings. */
  id: string;
  /** Secret: stored only as a hash, compared in constant time. */
  secret: string;
}

/** A new key: the full text (shown once), its id, and the hash to store. */
export interface GeneratedApiKey {
  key: string;
  id: string;
  secretHash: string;
}

/** Generates a key: a 10-character public id and a 256-bit random secret. */
export function generateApiKey(): GeneratedApiKey {
  const id = [...randomBytes(10)].map((byte) => BASE32[byte % 32]).join('');
  const secret = randomBytes(32).toString('base64url');
  return { key: `${API_KEY_PREFIX}${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

/** Splits a presented key into id and secret, or `null` when it is not a Tollgate key at all. */
export function parseApiKey(text: string): ParsedApiKey | null {
  const match = KEY_FORMAT.exec(text);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

/**
 * SHA-256 of the secret, hex. A 256-bit random secret cannot be guessed from its hash, so a slow
 * password hash would only add latency to every request.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether `secret` hashes to `secretHash`, compared in constant time. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const expected = Buffer.from(secretHash, 'hex');
  const actual = createHash('sha256').update(secret).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** How a key is shown in listings and logs: its prefix and id, never the secret. */
export function displayKey(id: string): string {
  return `${API_KEY_PREFIX}${id}_…`;
}
