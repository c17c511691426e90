import { createHash } from 'node:crypto';
import { type Cluster, Command, type Redis } from 'ioredis';
import { clusterSlot } from './cluster-slot.js';
import { type CarriedRefund, HeldRefunds, isPointsOnly, REFUND_HOLD_MS } from './held-refunds.js';
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
  WindowGrant,
  WindowTake,
} from './store.js';

/** One of the limiter's scripts: its source, and the SHA-1 that EVALSHA names it by. */
interface Script {
  lua: string;
  sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

const CHARGE = script(LUA_SCRIPTS.charge);
const REFUND = script(LUA_SCRIPTS.refund);
const SETTLE = script(LUA_SCRIPTS.settle);

/**
 * A {@link LimiterStore} in Redis (a single server or a Cluster). Each decision is one script
 * call, sent with EVALSHA (ioredis falls back to EVAL only on NOSCRIPT); the script reads the
 * time from Redis, so servers with skewed clocks agree.
 */
export class RedisStore implements LimiterStore {
  readonly kind = 'redis';

  /**
   * @param redis a connected client; the store closes it on `close()`.
   * @param options.refundHoldMs how long a points-only refund waits for the next charge of its
   *   bucket to carry it (default {@link REFUND_HOLD_MS}; `refundHoldFor` bounds it by the deadline).
   */
  constructor(
    private readonly redis: Redis | Cluster,
    options: { refundHoldMs?: number } = {},
  ) {
    this.heldRefunds = new HeldRefunds(
      (client, bucket, refundMilli) =>
        this.refundOnce({ client, bucket, refundMilli, reservation: '', windows: [], slot: false }, []),
      options.refundHoldMs ?? REFUND_HOLD_MS,
    );
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

  charge(request: ChargeRequest): Promise<ChargeResult> {
    // Not async, and no promise of its own: this is every operation's path. What throws still
    // rejects (callers treat a rejection as a failed call).
    try {
      const reservation = nextReservation();
      // One script per decision. On a Cluster a script may only touch one slot, so windows shared
      // between clients (keyed by an argument) are taken in a second step, once the bucket said yes.
      if (this.isCluster && request.windows.some((window) => isForeign(window, request.client))) {
        return this.chargeAcrossSlots(request, reservation);
      }
      return this.chargeOnce(request, reservation);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A charge on a Cluster with windows shared with other clients: one script per owner. */
  private async chargeAcrossSlots(request: ChargeRequest, reservation: string): Promise<ChargeResult> {
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

  refund(request: RefundRequest): Promise<void> {
    // Not async: most refunds are held, and `hold` makes the one promise they need.
    if (isPointsOnly(request) && request.bucket) {
      return this.heldRefunds.hold(request.client, request.bucket, request.refundMilli);
    }
    return this.refundNamed(request);
  }

  /** A refund that gives back window calls or a concurrency slot: sent at once, naming its charge. */
  private async refundNamed(request: RefundRequest): Promise<void> {
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
    const argv = [SETTLE.sha, '', bucketKey(client)];
    for (const window of windows) argv.push(windowKey(window.owner ?? client, window.name));
    argv[1] = String(argv.length - 2);
    pushBucketArgs(argv, bucket);
    argv.push(String(debtMilli));
    for (const window of windows) {
      argv.push(String(window.max), String(window.windowMs), String(window.calls.length));
      for (const call of window.calls)
        argv.push(String(Math.max(0, Math.round(call.ageMs))), String(call.count));
    }
    await this.run(SETTLE, argv, ignoreReply);
  }

  private get isCluster(): boolean {
    return isCluster(this.redis);
  }

  private chargeOnce(request: ChargeRequest, reservation: string): Promise<ChargeResult> {
    const { client, windows, concurrency, bucket } = request;
    // EVALSHA's arguments, built once as strings (see `run`): sha, numkeys, keys, then arguments.
    const argv = [CHARGE.sha, '', bucketKey(client)];
    for (const window of windows) argv.push(windowKey(window.owner ?? client, window.name));
    if (concurrency) argv.push(inflightKey(client));
    argv[1] = String(argv.length - 2);
    pushBucketArgs(argv, bucket);
    // A refund held for this bucket rides on this charge, which gives it back first. Taken here,
    // with nothing left to throw before the call is made: a refund taken must land or fail with it.
    const carried = bucket ? this.heldRefunds.take(client, bucket) : undefined;
    argv.push(String(request.costMilli), carried ? String(carried.refundMilli) : '0');
    for (const window of windows)
      argv.push(String(window.max), String(window.windowMs), String(window.count));
    argv.push(
      String(request.maxWaitMs ?? 0),
      String(concurrency?.max ?? 0),
      String(concurrency?.leaseMs ?? 0),
      reservation,
    );
    const read = (reply: unknown) => chargeResult(reply as number[], windows.length, reservation);
    if (!carried) return this.run(CHARGE, argv, read);
    return this.runCarrying(carried, argv, read);
  }

  /**
   * A charge that carries a held refund: the refund lands or fails with it, and is never sent
   * again (a charge that failed may still have run, on a dropped connection; a refund must not be
   * given twice).
   */
  private runCarrying(
    carried: CarriedRefund,
    argv: string[],
    read: (reply: unknown) => ChargeResult,
  ): Promise<ChargeResult> {
    try {
      const charged = this.run(CHARGE, argv, read);
      charged.then(() => carried.landed(), carried.failed);
      return charged;
    } catch (error) {
      carried.failed(error);
      throw error;
    }
  }

  /**
   * Points given back to a bucket with no window or slot: held briefly for the next charge of the
   * same bucket to give back in its one call (see {@link HeldRefunds}), else sent by themselves.
   * Refunds that carry windows or a concurrency slot name their charge, and go alone, at once.
   */
  private readonly heldRefunds: HeldRefunds;

  private async refundOnce(request: RefundRequest, windows: RefundRequest['windows']): Promise<void> {
    const slot = request.slot === true;
    if (windows.length === 0 && !slot && (request.bucket === null || request.refundMilli <= 0)) return;
    const argv = [REFUND.sha, '', bucketKey(request.client)];
    for (const window of windows) argv.push(windowKey(window.owner ?? request.client, window.name));
    if (slot) argv.push(inflightKey(request.client));
    argv[1] = String(argv.length - 2);
    pushBucketArgs(argv, request.bucket);
    argv.push(String(request.refundMilli));
    for (const window of windows) argv.push(String(window.grantedAtMs), String(window.granted - window.used));
    argv.push(request.reservation, slot ? '1' : '0');
    await this.run(REFUND, argv, ignoreReply);
  }

  /**
   * Runs one of the scripts: EVALSHA, then, if Redis does not have it (NOSCRIPT: nothing ran),
   * EVAL, which loads it. `argv` is EVALSHA's arguments as strings, the SHA-1 first; `read` maps
   * the reply. The command is made here, not by ioredis's `defineCommand`: that copies and
   * flattens the arguments several times per call (`Array.prototype.flat` alone costs about
   * 0.3 µs an argument) and converts the reply, on every operation's path. `Command` flattens
   * what it is given, so it is given nothing and then the arguments; it stringifies them only
   * there too, hence strings.
   */
  private run<T>(script: Script, argv: string[], read: (reply: unknown) => T): Promise<T> {
    return this.send('evalsha', argv).then(read, (error: unknown) => {
      if (!(error instanceof Error && error.message.includes('NOSCRIPT'))) throw error;
      return this.send('eval', [script.lua, ...argv.slice(1)]).then(read);
    });
  }

  private send(name: 'evalsha' | 'eval', argv: string[]): Promise<unknown> {
    const command = new Command(name);
    command.args = argv;
    this.holdWritesForThisTurn();
    return this.redis.sendCommand(command) as Promise<unknown>;
  }

  /** Whether the connection's writes are held until this turn of the event loop ends. */
  private writesHeld = false;

  /**
   * Holds the connection's writes until the end of this turn of the event loop (its check phase),
   * then sends them in one write: the charges of every operation read in one turn go to Redis in
   * one system call and wake it once, instead of a call each. Under load a turn reads several
   * requests; alone, an operation waits only for the rest of its own turn (microseconds), and
   * nothing is reordered. A Cluster spreads its commands over several connections: sent at once.
   */
  private holdWritesForThisTurn(): void {
    if (this.writesHeld || isCluster(this.redis)) return;
    const socket = this.redis.stream;
    if (!socket || socket.destroyed) return;
    socket.cork();
    this.writesHeld = true;
    setImmediate(() => {
      this.writesHeld = false;
      socket.uncork();
    });
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

  /** Sends the refunds it holds (ahead of QUIT on their connections), then closes the connection. */
  async close(): Promise<void> {
    await this.heldRefunds.sendAll();
    await closeRedis(this.redis);
  }
}

function isForeign(window: WindowTake, client: string): boolean {
  return window.owner !== undefined && window.owner !== client;
}

function isCluster(redis: Redis | Cluster): redis is Cluster {
  return 'isCluster' in redis && redis.isCluster;
}

function pushBucketArgs(argv: string[], bucket: BucketPolicy | null): void {
  if (bucket) argv.push(String(bucket.capacityMilli), String(bucket.refillMilliPerSec));
  else argv.push('0', '1');
}

function ignoreReply(): void {}

/** charge.lua's reply: `[status, remaining, retry or wait, full, (granted, retry)*, now]`. */
function chargeResult(reply: number[], windowCount: number, reservation: string): ChargeResult {
  // Redis's time of this charge: the sub-window its calls were counted in, for their refund.
  const grantedAtMs = reply[reply.length - 1] ?? 0;
  const windows = new Array<WindowGrant>(windowCount);
  for (let i = 0; i < windowCount; i++) {
    windows[i] = { granted: reply[4 + 2 * i] ?? 0, retryAfterMs: reply[5 + 2 * i] ?? 0, grantedAtMs };
  }
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
