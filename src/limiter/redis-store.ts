import type { Cluster, Redis, Result } from 'ioredis';
import { clusterSlot } from './cluster-slot.js';
import { bucketKey, inflightKey, windowKey } from './keys.js';
import { LUA_SCRIPTS } from './lua-scripts.js';
import { closeRedis } from './redis-connection.js';
import { nextReservation } from './reservation.js';
import type {
  BucketPolicy,
  ChargeRequest,
  ChargeResult,
  LimiterStore,
  RefundRequest,
  SettleRequest,
  WindowTake,
} from './store.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** scripts/charge.lua: `numKeys, ...keys, ...args` → `[status, remaining, retry or wait, full, (granted, retry)*, now]`. */
    tollgateCharge(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number[], Context>;
    /** scripts/refund.lua: `numKeys, ...keys, ...args` → remaining milli-points. */
    tollgateRefund(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number, Context>;
    /** scripts/settle.lua: `numKeys, ...keys, ...args` → remaining milli-points. */
    tollgateSettle(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number, Context>;
  }
}

/**
 * A {@link LimiterStore} in Redis (a single server or a Cluster). Each decision is one script
 * call, sent with EVALSHA (ioredis falls back to EVAL only on NOSCRIPT); the script reads the
 * time from Redis, so servers with skewed clocks agree.
 */
export class RedisStore implements LimiterStore {
  readonly kind = 'redis';

  /** @param redis a connected client; the store defines its scripts on it and closes it on `close()`. */
  constructor(private readonly redis: Redis | Cluster) {
    redis.defineCommand('tollgateCharge', { lua: LUA_SCRIPTS.charge });
    redis.defineCommand('tollgateRefund', { lua: LUA_SCRIPTS.refund });
    redis.defineCommand('tollgateSettle', { lua: LUA_SCRIPTS.settle });
  }

  /**
   * The Redis server that holds the client's keys, as `host:port`: on a Cluster the master of the
   * client's slot (`cluster` while the slot map is not known yet), else the one server. A failure
   * of one master concerns only the clients it holds.
   */
  nodeOf(client: string): string {
    if (isCluster(this.redis)) return this.redis.slots[clusterSlot(bucketKey(client))]?.[0] ?? 'cluster';
    // Asked on every call: one string, not a new one per call for the node map to hash again.
    if (this.serverName === undefined) {
      const { host, port } = this.redis.options;
      this.serverName = `${host}:${port}`;
    }
    return this.serverName;
  }

  /** The one server's `host:port` (not a Cluster), once asked. */
  private serverName: string | undefined;

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const reservation = nextReservation();
    const foreign = request.windows.some(
      (window) => window.owner !== undefined && window.owner !== request.client,
    );
    // One script per decision. On a Cluster a script may only touch one slot, so windows shared
    // between clients (keyed by an argument) are taken in a second step, once the bucket said yes.
    if (!foreign || !this.isCluster) return this.chargeOnce(request, reservation);
    const own = request.windows.filter((window) => (window.owner ?? request.client) === request.client);
    const first = await this.chargeOnce({ ...request, windows: own }, reservation);
    const grants = new Map(own.map((window, i) => [window, first.windows[i]]));
    if (first.allowed) {
      const byOwner = groupBy(
        request.windows.filter((window) => !grants.has(window)),
        (window) => window.owner as string,
      );
      const steps = await Promise.allSettled(
        [...byOwner].map(async ([owner, windows]) => {
          const taken = await this.chargeOnce(
            { client: owner, bucket: null, costMilli: 0, windows },
            reservation,
          );
          windows.forEach((window, i) => {
            grants.set(window, taken.windows[i]);
          });
          return { owner, windows, taken };
        }),
      );
      const failed = steps.find((step) => step.status === 'rejected');
      if (failed) {
        // The decision failed half-way: give back what every step that succeeded took, so that
        // whoever decides instead (the fallback) does not count the client's calls a second time.
        const unused = (windows: readonly WindowTake[], taken: ChargeResult) =>
          windows.map((window, i) => ({
            name: window.name,
            ...(window.owner === undefined ? {} : { owner: window.owner }),
            granted: taken.windows[i]?.granted ?? 0,
            used: 0,
            grantedAtMs: taken.windows[i]?.grantedAtMs ?? 0,
          }));
        await Promise.allSettled([
          this.refundOnce(
            {
              client: request.client,
              bucket: request.bucket,
              refundMilli: request.costMilli,
              reservation,
              windows: [],
              slot: Boolean(request.concurrency),
            },
            unused(own, first),
          ),
          ...steps.flatMap((step) =>
            step.status === 'fulfilled'
              ? [
                  this.refundOnce(
                    { client: step.value.owner, bucket: null, refundMilli: 0, reservation, windows: [] },
                    unused(step.value.windows, step.value.taken),
                  ),
                ]
              : [],
          ),
        ]);
        throw failed.reason;
      }
    }
    const windows = request.windows.map(
      (window) => grants.get(window) ?? { granted: 0, retryAfterMs: 0, grantedAtMs: 0 },
    );
    return { ...first, windows };
  }

  async refund(request: RefundRequest): Promise<void> {
    const unused = request.windows.filter((window) => window.used < window.granted);
    const foreign = unused.filter((window) => window.owner !== undefined && window.owner !== request.client);
    if (foreign.length === 0 || !this.isCluster) return this.refundOnce(request, unused);
    const byOwner = groupBy(foreign, (window) => window.owner as string);
    await Promise.all([
      this.refundOnce(
        request,
        unused.filter((window) => !foreign.includes(window)),
      ),
      ...[...byOwner].map(([owner, windows]) =>
        this.refundOnce({ ...request, client: owner, bucket: null, refundMilli: 0, slot: false }, windows),
      ),
    ]);
  }

  async settle(request: SettleRequest): Promise<void> {
    const foreign = request.windows.filter(
      (window) => window.owner !== undefined && window.owner !== request.client && this.isCluster,
    );
    const own = request.windows.filter((window) => !foreign.includes(window));
    await Promise.all([
      this.settleOnce(request.client, request.bucket, request.debtMilli, own),
      ...[...groupBy(foreign, (window) => window.owner as string)].map(([owner, windows]) =>
        this.settleOnce(owner, null, 0, windows),
      ),
    ]);
  }

  private async settleOnce(
    client: string,
    bucket: BucketPolicy | null,
    debtMilli: number,
    windows: SettleRequest['windows'],
  ): Promise<void> {
    if (windows.length === 0 && (bucket === null || debtMilli <= 0)) return;
    const keys = [bucketKey(client)];
    const args: Array<string | number> = [...bucketArgs(bucket), debtMilli];
    for (const window of windows) {
      keys.push(windowKey(window.owner ?? client, window.name));
      args.push(window.max, window.windowMs, window.calls.length);
      for (const call of window.calls) args.push(Math.max(0, Math.round(call.ageMs)), call.count);
    }
    await this.redis.tollgateSettle(keys.length, ...keys, ...args);
  }

  private get isCluster(): boolean {
    return isCluster(this.redis);
  }

  private async chargeOnce(request: ChargeRequest, reservation: string): Promise<ChargeResult> {
    const keys = [bucketKey(request.client)];
    const args: Array<string | number> = [...bucketArgs(request.bucket), request.costMilli];
    for (const window of request.windows) {
      keys.push(windowKey(window.owner ?? request.client, window.name));
      args.push(window.max, window.windowMs, window.count);
    }
    const { concurrency } = request;
    if (concurrency) keys.push(inflightKey(request.client));
    args.push(request.maxWaitMs ?? 0, concurrency?.max ?? 0, concurrency?.leaseMs ?? 0, reservation);
    const reply = await this.redis.tollgateCharge(keys.length, ...keys, ...args);
    // Redis's time of this charge: the sub-window its calls were counted in, for their refund.
    const grantedAtMs = reply[reply.length - 1] ?? 0;
    const windows = request.windows.map((_, i) => ({
      granted: reply[4 + 2 * i] ?? 0,
      retryAfterMs: reply[5 + 2 * i] ?? 0,
      grantedAtMs,
    }));
    const allowed = reply[0] === 1;
    return {
      allowed,
      refusedBy: allowed ? null : reply[0] === 2 ? 'concurrency' : 'bucket',
      remainingMilli: reply[1] ?? 0,
      retryAfterMs: allowed ? 0 : (reply[2] ?? 0),
      waitMs: allowed ? (reply[2] ?? 0) : 0,
      fullAfterMs: reply[3] ?? 0,
      windows,
      reservation,
    };
  }

  private async refundOnce(request: RefundRequest, windows: RefundRequest['windows']): Promise<void> {
    const slot = request.slot === true;
    if (windows.length === 0 && !slot && (request.bucket === null || request.refundMilli <= 0)) return;
    const keys = [bucketKey(request.client)];
    const args: Array<string | number> = [...bucketArgs(request.bucket), request.refundMilli];
    for (const window of windows) {
      keys.push(windowKey(window.owner ?? request.client, window.name));
      args.push(window.grantedAtMs, window.granted - window.used);
    }
    if (slot) keys.push(inflightKey(request.client));
    args.push(request.reservation, slot ? 1 : 0);
    await this.redis.tollgateRefund(keys.length, ...keys, ...args);
  }

  async peek(client: string, bucket: BucketPolicy): Promise<{ remainingMilli: number; fullAfterMs: number }> {
    const result = await this.charge({ client, bucket, costMilli: 0, windows: [] });
    return { remainingMilli: result.remainingMilli, fullAfterMs: result.fullAfterMs };
  }

  /** Resolves when Redis answers: on a Cluster, every master (one out means some clients are out). */
  async ping(): Promise<void> {
    if (isCluster(this.redis)) {
      await Promise.all(this.redis.nodes('master').map((node) => node.ping()));
      return;
    }
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

function isCluster(redis: Redis | Cluster): redis is Cluster {
  return 'isCluster' in redis && redis.isCluster;
}

function bucketArgs(bucket: BucketPolicy | null): [number, number] {
  return bucket ? [bucket.capacityMilli, bucket.refillMilliPerSec] : [0, 1];
}

// Map.groupBy arrived in Node 21; we run on 20.
function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group) group.push(item);
    else groups.set(keyOf(item), [item]);
  }
  return groups;
}
