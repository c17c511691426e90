import { windowId } from './keys.js';
import { SlotWindow, windowSlotMs } from './memory-window.js';
import type { BucketPolicy, ChargeRequest, ChargeResult, RefundRequest, SettleRequest } from './store.js';

/** Default of the ledger's `maxClients`. */
export const DEFAULT_MAX_LEDGER_CLIENTS = 100_000;

interface WindowSpending {
  name: string;
  owner: string | undefined;
  max: number;
  windowMs: number;
  /** The calls, per sub-window of the fallback's clock, as the fallback store counted them. */
  calls: SlotWindow;
}

interface ClientSpending {
  bucket: BucketPolicy | null;
  debtMilli: number;
  windows: Map<string, WindowSpending>;
}

/**
 * What the in-process fallback admitted, per Redis node and client, until it is charged back to
 * Redis as a {@link SettleRequest} (points as debt, calls at the times they were made). It keeps
 * what was admitted net of refunds, not what the fallback's own bucket holds: Redis refills its
 * bucket over the outage itself, so only the spending is owed.
 *
 * Holds at most `maxClients` clients. Past that the oldest is forgotten: what the fallback
 * admitted for it is then never charged back (counted, so the outage's log line says so).
 */
export class FallbackLedger {
  private readonly byNode = new Map<string, Map<string, ClientSpending>>();
  private readonly forgottenByNode = new Map<string, number>();
  private clients = 0;

  constructor(private readonly maxClients = DEFAULT_MAX_LEDGER_CLIENTS) {}

  /** Clients with spending not charged back yet. */
  get size(): number {
    return this.clients;
  }

  /** Whether some spending on `node` is waiting to be charged back. */
  owes(node: string): boolean {
    return this.byNode.has(node);
  }

  /** Records a charge the fallback decided; `result.reservation` is the fallback's own. */
  record(node: string, request: ChargeRequest, result: ChargeResult): void {
    const granted = request.windows.some((_, i) => (result.windows[i]?.granted ?? 0) > 0);
    const paid = result.allowed && request.bucket !== null && request.costMilli > 0;
    if (!paid && !granted) return;
    const spending = this.entry(node, request.client);
    spending.bucket = request.bucket ?? spending.bucket;
    if (paid) spending.debtMilli += request.costMilli;
    const now = Date.now();
    request.windows.forEach((window, i) => {
      const grant = result.windows[i];
      if (!grant || grant.granted === 0) return;
      const record = windowRecord(spending, window);
      record.max = window.max;
      record.windowMs = window.windowMs;
      // Calls that have left the window are owed nothing: this keeps at most 65 counters a window.
      record.calls.trim(now, window.windowMs, windowSlotMs(window.max, window.windowMs));
      // At the fallback's own time of the charge, as its refund will name it.
      record.calls.add(grant.grantedAtMs, grant.granted);
    });
  }

  /**
   * Takes a refund of a fallback charge off what is owed. Returns what the ledger no longer holds
   * (its spending was charged back already), which is then Redis's to give back; `null` when nothing.
   *
   * Only points go on to Redis: calls charged back were counted in Redis's sub-windows, on Redis's
   * clock, which a time on this process's clock cannot name for certain. Giving one back from a
   * later sub-window than it was counted in could admit a call too many, so such grants stay
   * counted (the client is charged a call that it did not make, never spared one).
   */
  refund(node: string, request: RefundRequest): RefundRequest | null {
    const spending = this.byNode.get(node)?.get(request.client);
    let refundMilli = request.refundMilli;
    if (spending && request.bucket && refundMilli > 0) {
      spending.debtMilli = Math.max(0, spending.debtMilli - refundMilli);
      refundMilli = 0;
    }
    for (const window of request.windows) {
      if (window.used >= window.granted) continue;
      const record = spending?.windows.get(windowId(window.name, window.owner));
      record?.calls.remove(window.grantedAtMs, window.granted - window.used);
    }
    if (refundMilli <= 0) return null;
    return { ...request, refundMilli, windows: [] };
  }

  /**
   * Removes and returns what `node` owes, one request per client, oldest first, for at most `limit`
   * clients that owe something (clients whose spending came to nothing are dropped on the way), and
   * how many clients the full ledger forgot.
   */
  take(node: string, limit = Number.POSITIVE_INFINITY): { settles: SettleRequest[]; forgotten: number } {
    const group = this.byNode.get(node);
    const forgotten = this.forgottenByNode.get(node) ?? 0;
    this.forgottenByNode.delete(node);
    const settles: SettleRequest[] = [];
    if (!group) return { settles, forgotten };
    const now = Date.now();
    for (const [client, spending] of group) {
      if (settles.length >= limit) break;
      group.delete(client);
      this.clients -= 1;
      const windows = [...spending.windows.values()]
        .map((window) => {
          window.calls.trim(now, window.windowMs);
          return {
            name: window.name,
            ...(window.owner === undefined ? {} : { owner: window.owner }),
            max: window.max,
            windowMs: window.windowMs,
            // Each sub-window's calls as if made at its end: they leave no earlier than they should.
            calls: [...window.calls.slots()].map((slot) => ({
              ageMs: Math.max(0, now - slot.endMs),
              count: slot.calls,
            })),
          };
        })
        .filter((window) => window.calls.length > 0);
      if (spending.debtMilli > 0 || windows.length > 0) {
        settles.push({ client, bucket: spending.bucket, debtMilli: spending.debtMilli, windows });
      }
    }
    if (group.size === 0) this.byNode.delete(node);
    return { settles, forgotten };
  }

  /** Puts back spending that could not be charged (Redis failed again meanwhile). */
  restore(node: string, settles: readonly SettleRequest[]): void {
    const now = Date.now();
    for (const settle of settles) {
      const spending = this.entry(node, settle.client);
      spending.bucket = settle.bucket ?? spending.bucket;
      spending.debtMilli += settle.debtMilli;
      for (const window of settle.windows) {
        const record = windowRecord(spending, window);
        for (const call of window.calls) record.calls.add(now - call.ageMs, call.count);
      }
    }
  }

  private entry(node: string, client: string): ClientSpending {
    let group = this.byNode.get(node);
    const known = group?.get(client);
    if (known) return known;
    if (this.clients >= this.maxClients) this.forgetOldest(node);
    if (!group) {
      group = new Map();
      this.byNode.set(node, group);
    }
    const spending: ClientSpending = { bucket: null, debtMilli: 0, windows: new Map() };
    group.set(client, spending);
    this.clients += 1;
    return spending;
  }

  private forgetOldest(preferred: string): void {
    const group = this.byNode.get(preferred) ?? this.byNode.values().next().value;
    const oldest = group?.keys().next();
    if (!group || !oldest || oldest.done) return;
    group.delete(oldest.value);
    this.clients -= 1;
    const node = [...this.byNode].find(([, each]) => each === group)?.[0] ?? preferred;
    this.forgottenByNode.set(node, (this.forgottenByNode.get(node) ?? 0) + 1);
    if (group.size === 0) this.byNode.delete(node);
  }
}

/** The spending of one window of a client, created (and kept) on first use. */
function windowRecord(
  spending: ClientSpending,
  window: { name: string; owner?: string | undefined; max: number; windowMs: number },
): WindowSpending {
  const id = windowId(window.name, window.owner);
  let record = spending.windows.get(id);
  if (!record) {
    const { name, owner, max, windowMs } = window;
    const calls = new SlotWindow(windowSlotMs(max, windowMs));
    record = { name, owner, max, windowMs, calls };
    spending.windows.set(id, record);
  }
  return record;
}
