/**
 * One `@rateLimit` window counted per sub-window ("slot"), in memory: the memory store's windows
 * and the fallback ledger's spending. The Redis scripts keep the same shape in a small hash
 * (scripts/window.lua); both follow this comment.
 *
 * A window of `max` calls per `windowMs` is cut into slots of `slotMs` (see {@link windowSlotMs}):
 * a call at time t goes into slot `floor(t / slotMs)` and a slot holds only a count. At time t the
 * window counts every slot from `floor((t − windowMs + 1) / slotMs)` on, which holds every call of
 * the last `windowMs` (t − windowMs, t], so a call is admitted only when no span of `windowMs`
 * ending then holds more than `max`: strict. It is conservative by the oldest slot alone: its calls
 * may be up to `slotMs − 1` ms older than the window and still count. So a call is counted for at
 * most `windowMs + slotMs − 1` ms instead of `windowMs`, and a refusal is early by at most the calls
 * of that one oldest slot (retry-after later by at most `slotMs − 1` ms).
 *
 * - `max ≤ EXACT_MAX`: 1 ms slots, which is the exact log of call times (at most `max` slots are
 *   not empty, since a call in the window needs a slot).
 * - larger `max`: {@link WINDOW_SLOTS} slots per window, `slotMs = ceil(windowMs / 64)`: a
 *   call counts at most 1/64 of the window too long (a day's window: 22.5 minutes).
 *
 * Either way a window keeps at most 65 counters, whatever its `max`; each call is O(1) amortised.
 */

/** Slots per window once a window counts per slot rather than per call. Same in scripts/window.lua. */
export const WINDOW_SLOTS = 64;

/** Windows of at most this many calls keep exact call times (1 ms slots). Same in scripts/window.lua. */
export const EXACT_MAX = 64;

/** The slot length of a window of `max` calls per `windowMs`, in ms (see the module comment). */
export function windowSlotMs(max: number, windowMs: number): number {
  return max <= EXACT_MAX ? 1 : Math.max(1, Math.ceil(windowMs / WINDOW_SLOTS));
}

/** The calls of one slot, as {@link SlotWindow.slots} lists them. */
export interface SlotCalls {
  /** The slot's last millisecond: its calls were made at or before it. */
  endMs: number;
  calls: number;
}

/**
 * The counters of one window: slots oldest first, each with its calls, and their total. Times are
 * milliseconds on the caller's clock.
 */
export class SlotWindow {
  private indexes: number[] = [];
  private counts: number[] = [];
  private sum = 0;

  constructor(private slotMs: number) {}

  /** Calls counted in the window (as of the last {@link SlotWindow.trim}). */
  get total(): number {
    return this.sum;
  }

  /** Slots that hold calls: the state kept, at most {@link WINDOW_SLOTS} + 1 once trimmed. */
  get slotCount(): number {
    return this.indexes.length;
  }

  /**
   * Drops the slots that left the window at `now`. A window kept with another slot length (its
   * policy changed) is first counted again in `slotMs`, each slot's calls moved to the slot that
   * holds the old slot's end, so that no call leaves earlier than it would have.
   */
  trim(now: number, windowMs: number, slotMs = this.slotMs): void {
    if (slotMs !== this.slotMs) this.reshape(slotMs, now);
    const oldest = Math.floor((now - windowMs + 1) / this.slotMs);
    let gone = 0;
    while (gone < this.indexes.length && (this.indexes[gone] as number) < oldest) {
      this.sum -= this.counts[gone] as number;
      gone += 1;
    }
    if (gone > 0) {
      this.indexes.splice(0, gone);
      this.counts.splice(0, gone);
    }
  }

  /** Adds `calls` made at `atMs`. The newest slot is the usual case: O(1). */
  add(atMs: number, calls: number): void {
    if (calls <= 0) return;
    const index = Math.floor(atMs / this.slotMs);
    let at = this.indexes.length;
    while (at > 0 && (this.indexes[at - 1] as number) > index) at -= 1;
    if (at > 0 && this.indexes[at - 1] === index)
      this.counts[at - 1] = (this.counts[at - 1] as number) + calls;
    else {
      this.indexes.splice(at, 0, index);
      this.counts.splice(at, 0, calls);
    }
    this.sum += calls;
  }

  /**
   * Takes back up to `calls` of those made at `atMs` (a refund names its charge's time), never
   * below zero; returns how many it took back (fewer when that slot already left, or was emptied).
   */
  remove(atMs: number, calls: number): number {
    const index = Math.floor(atMs / this.slotMs);
    let at = this.indexes.length - 1;
    while (at >= 0 && (this.indexes[at] as number) > index) at -= 1;
    if (at < 0 || this.indexes[at] !== index) return 0;
    const taken = Math.min(calls, this.counts[at] as number);
    this.counts[at] = (this.counts[at] as number) - taken;
    this.sum -= taken;
    if (this.counts[at] === 0) {
      this.indexes.splice(at, 1);
      this.counts.splice(at, 1);
    }
    return taken;
  }

  /**
   * Milliseconds from `now` until `calls` of the counted calls have left the window (the oldest
   * first): when a window holding `max + calls − 1` serves one more. `windowMs` when it never will.
   */
  leaveAfterMs(now: number, windowMs: number, calls: number): number {
    let left = 0;
    for (let i = 0; i < this.indexes.length; i++) {
      left += this.counts[i] as number;
      if (left >= calls)
        return Math.max(1, ((this.indexes[i] as number) + 1) * this.slotMs + windowMs - 1 - now);
    }
    return windowMs;
  }

  /** The slots, oldest first. */
  *slots(): IterableIterator<SlotCalls> {
    for (let i = 0; i < this.indexes.length; i++) {
      yield { endMs: ((this.indexes[i] as number) + 1) * this.slotMs - 1, calls: this.counts[i] as number };
    }
  }

  private reshape(slotMs: number, now: number): void {
    const old = [...this.slots()];
    this.slotMs = slotMs;
    this.indexes = [];
    this.counts = [];
    this.sum = 0;
    for (const slot of old) this.add(Math.min(now, slot.endMs), slot.calls);
  }
}
