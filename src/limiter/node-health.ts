import { CircuitBreaker, type CircuitState } from './circuit-breaker.js';
import { DeadlineWatch } from './deadline.js';

/** Options of {@link NodeHealth}. */
export interface NodeHealthOptions {
  failureThreshold: number;
  cooldownMs: number;
  /** Deadline of each call to the node, in ms (see `withDeadline`). */
  timeoutMs: number;
  /** The node stopped answering: its circuit opened (not a failed probe of an outage going on). */
  onDown: (node: NodeHealth) => void;
  /** A probe succeeded: the node answers again. */
  onUp: (node: NodeHealth) => void;
}

/** What happened to one node's clients during one outage, for its log lines. */
export interface OutageCounts {
  /** Charges the in-process fallback decided (policy `open`). */
  decidedInProcess: number;
  /** Charges refused with 503 (policy `closed`). */
  refused: number;
  /** Clients whose fallback spending was charged to the node. */
  chargedBack: number;
  /** Clients whose fallback spending was forgotten (the ledger was full): never charged. */
  notChargedBack: number;
}

/**
 * One Redis server as the limiter sees it (the single server, or one Cluster master): its own
 * circuit breaker, so that a failing master moves only the clients whose slots it holds; when it
 * last answered, so that a call queued behind others it is answering is not taken for lost; and
 * the current outage, so that it is logged once, with counts.
 */
export class NodeHealth {
  readonly breaker: CircuitBreaker;
  /**
   * Bounds each call to the node with its deadline (one timer for all of them): any answer shows
   * the node alive to the calls queued behind it.
   */
  readonly watch: DeadlineWatch;
  /** Why the latest call failed (for the outage's first log line; never holds a secret). */
  lastError = '';
  /** When the current (or last) outage began, by `Date.now()`. */
  outageStartedAtMs = 0;
  counts: OutageCounts = NodeHealth.noCounts();
  /** A client whose keys the node holds (the latest asked for): whose keys a probe may look at. */
  lastClient = '';

  constructor(
    readonly name: string,
    private readonly options: NodeHealthOptions,
  ) {
    this.watch = new DeadlineWatch(options.timeoutMs);
    this.breaker = new CircuitBreaker({
      failureThreshold: options.failureThreshold,
      cooldownMs: options.cooldownMs,
      onStateChange: (state, previous) => this.onCircuit(state, previous),
    });
  }

  private static noCounts(): OutageCounts {
    return { decidedInProcess: 0, refused: 0, chargedBack: 0, notChargedBack: 0 };
  }

  /** Whether the node is out: its circuit is open or only lets a probe through. */
  get down(): boolean {
    return this.breaker.state !== 'closed';
  }

  /** When the node last answered a call, on the `idleClockMs` clock. */
  get lastHeardAt(): number {
    return this.watch.lastHeardAt;
  }

  /** The node answered a call (in time or not): it is alive. */
  heard(): void {
    this.watch.heard();
  }

  private onCircuit(state: CircuitState, previous: CircuitState): void {
    if (state === 'open' && previous === 'closed') {
      this.outageStartedAtMs = Date.now();
      this.counts = NodeHealth.noCounts();
      this.options.onDown(this);
    } else if (state === 'closed') {
      this.options.onUp(this);
    }
  }
}
