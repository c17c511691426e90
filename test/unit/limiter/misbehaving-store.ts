import { PassThrough } from 'node:stream';
import { MemoryStore } from '../../../src/limiter/memory-store.js';
import { type FailurePolicy, ResilientStore } from '../../../src/limiter/resilient-store.js';
import type {
  BucketPolicy,
  ChargeRequest,
  ChargeResult,
  LimiterStore,
  RefundRequest,
  SettleRequest,
} from '../../../src/limiter/store.js';
import { createLogger } from '../../../src/logger.js';

/** How a {@link MisbehavingStore} (or one of its nodes) behaves. */
export type Mode = 'ok' | 'fail' | 'hang' | 'late' | 'io' | 'serial';

/**
 * A primary that behaves like a Redis going wrong, in front of a real MemoryStore: it answers,
 * fails at once (connection refused), never answers (hung), or answers late after doing the work.
 * Its clients live on nodes named by what precedes the first `/` of the client (`a/1` is on `a`),
 * as a Cluster's masters hold slots; `nodes` sets a mode per node, `mode` the rest.
 */
export class MisbehavingStore implements LimiterStore {
  readonly kind = 'redis';
  /**
   * `io`: answers on the next event-loop turn, as a reply read from a socket does. `serial`: one
   * call at a time, each taking `serialMs`, as a busy Redis answers the commands queued on a
   * connection in order.
   */
  mode: Mode = 'ok';
  serialMs = 10;
  private queue: Promise<unknown> = Promise.resolve();
  readonly nodes = new Map<string, Mode>();
  calls = 0;
  /** The calls it executed (`charge`, `settle`, …), in order. */
  readonly done: string[] = [];
  /** Lets the calls held in `late` mode do their work and answer. */
  release: () => void = () => {};
  private gate = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  readonly inner = new MemoryStore();

  nodeOf(client: string): string {
    return client.includes('/') ? (client.split('/')[0] as string) : 'main';
  }
  charge(request: ChargeRequest): Promise<ChargeResult> {
    return this.behave(request.client, () => this.did('charge', this.inner.charge(request)));
  }
  refund(request: RefundRequest): Promise<void> {
    return this.behave(request.client, () => this.did('refund', this.inner.refund(request)));
  }
  settle(request: SettleRequest): Promise<void> {
    return this.behave(request.client, () => this.did('settle', this.inner.settle(request)));
  }
  peek(client: string, bucket: BucketPolicy) {
    return this.behave(client, () => this.inner.peek(client, bucket));
  }
  ping(): Promise<void> {
    return this.behave('', async () => {});
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private did<T>(operation: string, work: Promise<T>): Promise<T> {
    this.done.push(operation);
    return work;
  }

  private async behave<T>(client: string, work: () => Promise<T>): Promise<T> {
    this.calls += 1;
    const mode = this.nodes.get(this.nodeOf(client)) ?? this.mode;
    if (mode === 'fail') throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    if (mode === 'hang') return new Promise<T>(() => {});
    if (mode === 'late') await this.gate;
    if (mode === 'io') await new Promise((resolve) => setImmediate(resolve));
    if (mode === 'serial') {
      const turn = this.queue.then(() => new Promise((resolve) => setTimeout(resolve, this.serialMs)));
      this.queue = turn;
      await turn;
    }
    return work();
  }
}

export const TIMEOUT_MS = 20;
export const policy: BucketPolicy = { capacityMilli: 100_000, refillMilliPerSec: 1 };
export const dataWindow = { name: 'Query.data', max: 5, windowMs: 60_000, count: 1 };

/** When a charge's one window was granted, which its refund names. */
export const grantedAt = (charged: ChargeResult) => charged.windows[0]?.grantedAtMs ?? Number.NaN;

/** Charges 10 points (by default) and one `Query.data` call. */
export const charge = (store: LimiterStore, client = 'c', costMilli = 10_000) =>
  store.charge({ client, bucket: policy, costMilli, windows: [dataWindow] });

/**
 * A request that charges nothing (a look at a bucket): once the cooldown has passed it starts a
 * probe of the out node, in the background, and is itself answered without the primary.
 */
export const nudge = (store: LimiterStore, client = 'nudge') => store.peek(client, policy);

const stores: ResilientStore[] = [];

/** Closes the stores {@link setup} made (call in `afterEach`). */
export async function closeStores(): Promise<void> {
  await Promise.all(stores.splice(0).map((store) => store.close()));
}

/** A ResilientStore over a {@link MisbehavingStore}, with its log lines, state changes and calls recorded. */
export function setup(
  options: { policy?: FailurePolicy; cooldownMs?: number; nodes?: boolean; maxLedgerClients?: number } = {},
) {
  const primary = new MisbehavingStore();
  const fallback = new MemoryStore();
  const logs: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(JSON.parse(line.toString())));
  const states: string[] = [];
  const calls: Array<{ operation: string; ok: boolean }> = [];
  const store = new ResilientStore({
    primary,
    fallback,
    policy: options.policy ?? 'open',
    timeoutMs: TIMEOUT_MS,
    failureThreshold: 3,
    cooldownMs: options.cooldownMs ?? 60_000,
    logger: createLogger({ destination, level: 'debug' }),
    onStateChange: (state) => states.push(state),
    onCall: (operation, _durationMs, ok) => calls.push({ operation, ok }),
    ...(options.nodes ? { nodeOf: (client: string) => primary.nodeOf(client) } : {}),
    ...(options.maxLedgerClients ? { maxLedgerClients: options.maxLedgerClients } : {}),
  });
  stores.push(store);
  const outageLines = () => logs.filter((line) => String(line.msg).startsWith('redis is unavailable'));
  const backLines = () => logs.filter((line) => String(line.msg).startsWith('redis is back'));
  return { primary, fallback, store, logs, states, calls, outageLines, backLines };
}
