import { randomBytes } from 'node:crypto';

// 72 random bits per process, then a counter: unique across processes without paying for
// randomness on every charge.
const PROCESS_PREFIX = randomBytes(9).toString('base64url');
let counter = 0;

/** A new reservation id: names one charge (in a resilient store, with the store that took it). */
export function nextReservation(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PROCESS_PREFIX}${counter.toString(36)}`;
}
