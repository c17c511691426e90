import { inflightKey } from './keys.js';
import type { ConcurrencyLimit } from './store.js';

/**
 * Concurrency slots in this process's memory, as the Redis script keeps them in
 * `tg:{client}:inflight`: per client, reservation → lease end. A lease that ended is dropped on
 * the next look, so a slot never released is free again after `leaseMs`.
 */
export class MemorySlots {
  private readonly byKey = new Map<string, Map<string, number>>();

  /** The keys held, named as in Redis. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /**
   * Whether a slot is free for `client` now: `null` when one is, else milliseconds until the
   * oldest lease ends at the latest.
   */
  full(client: string, limit: ConcurrencyLimit, now: number): number | null {
    const slots = this.live(inflightKey(client), now);
    if (!slots || slots.size < limit.max) return null;
    return Math.max(1, Math.min(...slots.values()) - now);
  }

  /** Takes a slot named `reservation`, its lease ending `leaseMs` after `runsAt`. */
  take(client: string, reservation: string, limit: ConcurrencyLimit, runsAt: number): void {
    const key = inflightKey(client);
    const slots = this.byKey.get(key) ?? new Map<string, number>();
    slots.set(reservation, runsAt + limit.leaseMs);
    this.byKey.set(key, slots);
  }

  /** Releases the slot named `reservation`, if it is still held. */
  release(client: string, reservation: string): void {
    const key = inflightKey(client);
    const slots = this.byKey.get(key);
    if (!slots) return;
    slots.delete(reservation);
    if (slots.size === 0) this.byKey.delete(key);
  }

  /** Drops every lease that has ended. */
  sweep(now: number): void {
    for (const key of [...this.byKey.keys()]) this.live(key, now);
  }

  clear(): void {
    this.byKey.clear();
  }

  private live(key: string, now: number): Map<string, number> | undefined {
    const slots = this.byKey.get(key);
    if (!slots) return undefined;
    for (const [reservation, endsAt] of slots) if (endsAt <= now) slots.delete(reservation);
    if (slots.size > 0) return slots;
    this.byKey.delete(key);
    return undefined;
  }
}
