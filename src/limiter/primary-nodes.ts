import type { Logger } from '../logger.js';
import { chargeBack } from './charge-back.js';
import { type Outcome, withDeadline } from './deadline.js';
import type { FallbackLedger } from './fallback-ledger.js';
import { NodeHealth } from './node-health.js';
import type { LimiterStore } from './store.js';

/** What to do when the shared store cannot answer: serve from the fallback, or refuse (503). */
export type FailurePolicy = 'open' | 'closed';

/**
 * Where decisions come from: `shared` (the primary, e.g. Redis), `fallback` (the primary, or on a
 * Cluster one of its masters, is out and the policy is `open`), `unavailable` (the same, policy
 * `closed`).
 */
export type ResilientStoreState = 'shared' | 'fallback' | 'unavailable';

/** Options of {@link PrimaryNodes}. */
export interface PrimaryNodesOptions {
  primary: LimiterStore;
  ledger: FallbackLedger;
  nodeOf: (client: string) => string;
  policy: FailurePolicy;
  timeoutMs: number;
  failureThreshold: number;
  cooldownMs: number;
  logger: Logger;
  onStateChange?: (state: ResilientStoreState, previous: ResilientStoreState) => void;
}

/** Bound on remembered nodes: a Cluster's masters, and those it had before failovers. */
const MAX_NODES = 1024;

/**
 * The nodes of the primary (the one Redis, or each Cluster master), each with its own health: when
 * one goes out, only its clients are decided without it. Finds out when an out node is back (a
 * probe per cooldown), charges it what the fallback admitted for its clients, and logs each
 * node's outage once when it starts and once when it ends, with counts.
 */
export class PrimaryNodes {
  private readonly nodes = new Map<string, NodeHealth>();
  /** Nodes with a charge-back of lone late calls under way. */
  private readonly settling = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private current: ResilientStoreState = 'shared';

  constructor(private readonly options: PrimaryNodesOptions) {}

  /** `fallback`/`unavailable` (by the policy) while any node is out. */
  get state(): ResilientStoreState {
    return this.current;
  }

  /** The node that holds the client's keys. */
  of(client: string): NodeHealth {
    const node = this.named(this.options.nodeOf(client));
    node.lastClient = client;
    return node;
  }

  /**
   * Starts a probe of every out node whose cooldown has passed, without waiting for a request of
   * its clients: readiness asks, so that an instance taken out of rotation for not being ready
   * still finds out that Redis is back.
   */
  probeOut(): void {
    for (const node of this.nodes.values()) {
      if (node.down && node.lastClient !== '') this.admit(node, node.lastClient);
    }
  }

  /**
   * May the primary be asked for this client now? Not while its node is out: after each cooldown
   * the asking request starts a probe in the background (see {@link probe}) and, like the others,
   * is decided without the primary.
   */
  admit(node: NodeHealth, client: string): boolean {
    if (!node.down) return true;
    if (node.breaker.tryAcquire()) this.track(this.probe(node, client));
    return false;
  }

  /**
   * The node answered in time. A call sent before its outage began that answers during it does
   * not end the outage: only a probe does, once the node took what it is owed. While the node is
   * in, a lone late call decided by the fallback is owed: charge it now.
   */
  succeeded(node: NodeHealth): void {
    if (node.down) return;
    node.breaker.success();
    if (this.options.ledger.owes(node.name) && !this.settling.has(node.name)) {
      this.settling.add(node.name);
      this.track(this.settleOwed(node).finally(() => this.settling.delete(node.name)));
    }
  }

  /** The node failed a call, or missed its deadline. */
  failed(node: NodeHealth, outcome: Exclude<Outcome<unknown>, { kind: 'value' }>): void {
    node.lastError = this.failureOf(outcome);
    node.breaker.failure();
  }

  /** Resolves once no probe or charge-back is under way. */
  async drain(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }

  private named(name: string): NodeHealth {
    const known = this.nodes.get(name);
    if (known) return known;
    if (this.nodes.size >= MAX_NODES) {
      for (const [other, node] of this.nodes) {
        if (!node.down && !this.options.ledger.owes(other)) this.nodes.delete(other);
      }
    }
    const node = new NodeHealth(name, {
      failureThreshold: this.options.failureThreshold,
      cooldownMs: this.options.cooldownMs,
      timeoutMs: this.options.timeoutMs,
      onDown: (down) => this.onDown(down),
      onUp: (up) => this.onUp(up),
    });
    this.nodes.set(name, node);
    return node;
  }

  /**
   * Finds out whether an out node is back: by charging it the first client of what the fallback
   * admitted for its clients (else, with nothing owed, by a look at the asking client's keys), then,
   * once it answers, the rest. Only when all of it is charged does the node take new charges: else
   * a client could be served by the fallback and, once more, by a node that does not know it yet.
   * (A hung node is so sent one settle per cooldown, not the whole ledger.)
   */
  private async probe(node: NodeHealth, client: string): Promise<void> {
    let result = await this.settleOwed(node, { limit: 1 });
    if (result === 'nothing') {
      const look = this.options.primary.charge({ client, bucket: null, costMilli: 0, windows: [] });
      const outcome = await withDeadline(look, this.options.timeoutMs);
      result = outcome.kind === 'value' ? 'charged' : 'failed';
      if (outcome.kind !== 'value') node.lastError = this.failureOf(outcome);
    }
    if (result !== 'failed') result = await this.settleOwed(node);
    if (result === 'failed') {
      node.breaker.failure();
      return;
    }
    node.heard();
    node.breaker.success();
  }

  /**
   * Charges the node what the fallback admitted for (at most `limit` of) its clients, taken from
   * the ledger at once, so concurrent charge-backs never send the same spending twice. What
   * certainly was not charged goes back into the ledger.
   */
  private async settleOwed(
    node: NodeHealth,
    options: { limit?: number; batch?: number } = {},
  ): Promise<'nothing' | 'charged' | 'failed'> {
    const { ledger } = this.options;
    const { limit, batch } = options;
    const { settles, forgotten } = ledger.take(node.name, limit);
    node.counts.notChargedBack += forgotten;
    if (settles.length === 0) return 'nothing';
    let complete = true;
    const charged = await chargeBack({
      primary: this.options.primary,
      settles,
      timeoutMs: this.options.timeoutMs,
      lastHeardAt: () => node.lastHeardAt,
      onNotCharged: (rest) => {
        complete = false;
        ledger.restore(node.name, rest);
      },
      onChargedLate: () => {
        node.counts.chargedBack += 1;
      },
      ...(batch === undefined ? {} : { batch }),
    });
    node.counts.chargedBack += charged;
    if (complete && charged === settles.length) return 'charged';
    node.lastError = 'the charge-back failed';
    return 'failed';
  }

  private onDown(node: NodeHealth): void {
    const { logger, policy, primary } = this.options;
    logger.warn(
      { store: primary.kind, node: node.name, policy, err: node.lastError },
      policy === 'open'
        ? `${primary.kind} is unavailable: limiting its clients per process until it is back`
        : `${primary.kind} is unavailable: refusing its clients (503) until it is back`,
    );
    this.updateState();
  }

  private onUp(node: NodeHealth): void {
    this.updateState();
    const outageMs = Date.now() - node.outageStartedAtMs;
    // What the fallback admitted while the probe ran is owed too, sent all at once so that it goes
    // out before any new charge; then the outage's last line.
    const residual = this.settleOwed(node, { batch: Number.POSITIVE_INFINITY }).then(() => {
      const { notChargedBack, ...counts } = node.counts;
      this.options.logger.info(
        {
          store: this.options.primary.kind,
          node: node.name,
          outageMs,
          ...counts,
          ...(notChargedBack > 0 ? { notChargedBack } : {}),
        },
        `${this.options.primary.kind} is back: limits are shared again`,
      );
    });
    this.track(residual);
  }

  private updateState(): void {
    const anyDown = [...this.nodes.values()].some((node) => node.down);
    const next = !anyDown ? 'shared' : this.options.policy === 'open' ? 'fallback' : 'unavailable';
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.options.onStateChange?.(next, previous);
  }

  private failureOf(outcome: Exclude<Outcome<unknown>, { kind: 'value' }>): string {
    return outcome.kind === 'timeout'
      ? `no answer within ${this.options.timeoutMs} ms`
      : outcome.error instanceof Error
        ? outcome.error.message
        : String(outcome.error);
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    // Never an unhandled rejection (it would end the process): a failure here is a bug to log.
    void work
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'a node health task failed'))
      .finally(() => this.inFlight.delete(work));
  }
}
