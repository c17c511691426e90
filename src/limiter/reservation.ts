import { randomBytes } from 'node:crypto';

// 72 random bits per process, then a counter: unique across processes without paying for
// randomness on every charge.
const PROCESS_PREFIX = randomBytes(9).toString('base64url');
let counter = 0;

/**
 * A new reservation id. It names the window entries one charge adds (`<id>:<n>`), so that a refund
 * can remove exactly the grants that went unused.
 */
export function nextReservation(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS_PREFIX}${counter.toString(36)}`;
}
