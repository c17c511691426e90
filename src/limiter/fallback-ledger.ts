import type { BucketPolicy, ChargeRequest, ChargeResult, RefundRequest, SettleRequest } from './store.js';

/** Default of the ledger's `maxClients`. */
export const DEFAULT_MAX_LEDGER_CLIENTS = 100_000;

interface WindowSpending {
  name: string;
  owner: string | undefined;
  windowMs: number;
  /** Oldest first; each named `<reservation>:<n>` as the fallback named its window entry. */
  calls: Array<{ atMs: number; member: string }>;
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
      const count = result.windows[i]?.granted ?? 0;
      if (count === 0) return;
      const calls = windowRecord(spending, window);
      // Calls that have left the window are owed nothing: this keeps at most `max` per window.
      calls.calls = calls.calls.filter((call) => call.atMs > now - window.windowMs);
      for (let n = 0; n < count; n++) calls.calls.push({ atMs: now, member: `${result.reservation}:${n}` });
    });
  }

  /**
   * Takes a refund of a fallback charge off what is owed. Returns what the ledger no longer holds
   * (its spending was charged back already), which is then Redis's to give back; `null` when nothing.
   */
  refund(node: string, request: RefundRequest): RefundRequest | null {
    const spending = this.byNode.get(node)?.get(request.client);
    let refundMilli = request.refundMilli;
    if (spending && request.bucket && refundMilli > 0) {
      spending.debtMilli = Math.max(0, spending.debtMilli - refundMilli);
      refundMilli = 0;
    }
    const elsewhere = request.windows.filter((window) => {
      if (window.used >= window.granted) return false;
      const calls = spending?.windows.get(windowId(window.name, window.owner));
      const unused = new Set<string>();
      for (let n = window.used; n < window.granted; n++) unused.add(`${request.reservation}:${n}`);
      const before = calls?.calls.length ?? 0;
      if (calls) calls.calls = calls.calls.filter((call) => !unused.has(call.member));
      return before === (calls?.calls.length ?? 0);
    });
    if (refundMilli <= 0 && elsewhere.length === 0) return null;
    return { ...request, refundMilli: Math.max(0, refundMilli), windows: elsewhere };
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
        .map((window) => ({
          name: window.name,
          ...(window.owner === undefined ? {} : { owner: window.owner }),
          windowMs: window.windowMs,
          calls: window.calls
            .filter((call) => call.atMs > now - window.windowMs)
            .map((call) => ({ ageMs: now - call.atMs, member: call.member })),
        }))
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
        const calls = windowRecord(spending, window);
        calls.calls.push(...window.calls.map((call) => ({ atMs: now - call.ageMs, member: call.member })));
        calls.calls.sort((a, b) => a.atMs - b.atMs);
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

function windowId(name: string, owner: string | undefined): string {
  return owner === undefined ? name : `${name}\u0000${owner}`;
}

/** The spending of one window of a client, created (and kept) on first use. */
function windowRecord(
  spending: ClientSpending,
  window: { name: string; owner?: string | undefined; windowMs: number },
): WindowSpending {
  const id = windowId(window.name, window.owner);
  let record = spending.windows.get(id);
  if (!record) {
    record = { name: window.name, owner: window.owner, windowMs: window.windowMs, calls: [] };
    spending.windows.set(id, record);
  }
  return record;
}
