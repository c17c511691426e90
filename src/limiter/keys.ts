/**
 * Redis key names. Every key of one client carries the client in a hash tag (`{…}`), so that
 * one script touching a client's bucket and windows runs on one Redis Cluster node.
 */

const PREFIX = 'tg';

/** The client's token bucket. */
export function bucketKey(client: string): string {
  return `${PREFIX}:{${hashTagSafe(client)}}:bucket`;
}

/** One of the client's field windows, e.g. `windowKey('ip:1.2.3.4', 'Query.data')`. */
export function windowKey(client: string, name: string): string {
  return `${PREFIX}:{${hashTagSafe(client)}}:w:${name}`;
}

/** The client's concurrency slots: a sorted set of reservation → lease end. */
export function inflightKey(client: string): string {
  return `${PREFIX}:{${hashTagSafe(client)}}:inflight`;
}

/** The prefix every key of one client starts with (tests use it to find a client's keys). */
export function clientKeyPattern(client: string): string {
  return `${PREFIX}:{${hashTagSafe(client)}}:*`;
}

// A brace inside the tag would end it early and split one client's keys across slots.
function hashTagSafe(client: string): string {
  // Most ids hold no brace: no regular expression for them (this runs on every store call).
  return client.includes('{') || client.includes('}') ? client.replace(/[{}]/g, '_') : client;
}

/**
 * One window of one client, told apart from the client's other windows in process (a map key):
 * its name, and its owner when it is shared (`WindowTake.owner`).
 */
export function windowId(name: string, owner: string | undefined): string {
  return owner === undefined ? name : `${name}\u0000${owner}`;
}
