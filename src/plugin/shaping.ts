/**
 * Traffic shaping, the plugin's side: a tier's concurrency limit in the store's terms, and an
 * operation waiting its turn (the store's `waitMs`) unless its client leaves first.
 */
import type { TierConfig } from '../config/index.js';
import type { ClientConnection } from '../context.js';
import type { ConcurrencyLimit } from '../limiter/store.js';

/** The tier's concurrency limit for the store, or `null` when it has none. */
export function concurrencyLimit(tier: TierConfig, leaseMs: number): ConcurrencyLimit | null {
  const max = tier.maxConcurrent ?? 0;
  return max > 0 ? { max, leaseMs } : null;
}

/** How a wait ended: its time ran out (`ready`: run now), or the client closed the connection. */
export type WaitOutcome = 'ready' | 'gone';

// The operations waiting on one connection (a batch may hold several) share one `close` listener,
// so that no number of them trips Node's listener limit.
const waiting = new WeakMap<ClientConnection, { listener: () => void; onGone: Set<() => void> }>();

/**
 * Waits `waitMs`, or less when `connection` closes first. Without a connection, the whole wait.
 * Nothing is left behind once it resolves: no timer, no listener.
 */
export function waitTurn(waitMs: number, connection: ClientConnection | undefined): Promise<WaitOutcome> {
  if (connection?.destroyed) return Promise.resolve('gone');
  return new Promise((resolve) => {
    const stopWatching = connection ? whenClosed(connection, () => finish('gone')) : () => {};
    const timer = setTimeout(() => finish('ready'), waitMs);
    function finish(outcome: WaitOutcome): void {
      clearTimeout(timer);
      stopWatching();
      resolve(outcome);
    }
  });
}

/** Calls `onGone` when `connection` closes; returns what stops watching. */
function whenClosed(connection: ClientConnection, onGone: () => void): () => void {
  let watch = waiting.get(connection);
  if (!watch) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      waiting.delete(connection);
      for (const callback of callbacks) callback();
    };
    watch = { listener, onGone: callbacks };
    waiting.set(connection, watch);
    connection.once('close', listener);
  }
  const current = watch;
  current.onGone.add(onGone);
  return () => {
    current.onGone.delete(onGone);
    if (current.onGone.size > 0 || waiting.get(connection) !== current) return;
    waiting.delete(connection);
    connection.off('close', current.listener);
  };
}
