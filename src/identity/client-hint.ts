import { TIER_NAMES, type TierName } from '../config/index.js';
import type { ClientIdentity } from './client-identity.js';

/** The longest id an app's `identifyClient` may return, in characters. */
export const MAX_CLIENT_HINT_ID_LENGTH = 256;

/**
 * The client an app's `identifyClient` hook named, as the limiter keys it: `app:<id>` (its own
 * namespace, so no app id can be taken for an API key's `key:` or an address's `ip:`), in the
 * hint's tier or `free`. Throws an `Error` saying what is wrong with a malformed hint: that is the
 * app's bug, answered with 500, and the message never repeats the id (it might hold a token).
 */
export function identityOfHint(hint: unknown): ClientIdentity {
  if (typeof hint !== 'object' || hint === null) {
    throw new Error(
      `identifyClient must return undefined or { id, tier? }, but returned ${hint === null ? 'null' : typeof hint}.`,
    );
  }
  const { id, tier } = hint as { id?: unknown; tier?: unknown };
  if (typeof id !== 'string' || id === '') {
    throw new Error('identifyClient returned a hint without an id: give a non-empty string.');
  }
  if (id.length > MAX_CLIENT_HINT_ID_LENGTH) {
    throw new Error(
      `identifyClient returned an id longer than ${MAX_CLIENT_HINT_ID_LENGTH} characters: give the app's stable id of the user or tenant, not a token.`,
    );
  }
  if (tier !== undefined && !(TIER_NAMES as readonly unknown[]).includes(tier)) {
    throw new Error(`identifyClient returned an unknown tier; give one of ${TIER_NAMES.join(', ')}.`);
  }
  return { id: `app:${escapeBraces(id)}`, tier: (tier as TierName | undefined) ?? 'free' };
}

// Braces would end a Redis hash tag early, so the limiter's keys turn them into `_`: then the ids
// `a{b` and `a_b` would share one bucket. Escaping them (and `%`, so that the escape is one-to-one)
// keeps every app id its own client.
function escapeBraces(id: string): string {
  return id.replace(/[%{}]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}
