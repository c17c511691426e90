import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../config/settings.js';

/** One start-up node of a Redis Cluster. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Options of {@link createRedisClient}: exactly one of `url` and `clusterNodes`. */
export interface RedisConnectionOptions {
  /** A single Redis, e.g. `redis://127.0.0.1:6379`. */
  url?: string;
  /** Start-up nodes of a Redis Cluster (any few masters; the rest is discovered). */
  clusterNodes?: readonly RedisNode[];
  /**
   * The deadline the limiter gives each Redis call, in ms. Default {@link DEFAULT_REDIS_TIMEOUT_MS}.
   * Sizes the connection timeout; commands themselves have no timeout in the client (see
   * {@link createRedisClient}): every caller bounds its wait with `withDeadline`.
   */
  timeoutMs?: number;
  /** Longest pause between reconnection attempts, in ms. Default 500. */
  maxReconnectDelayMs?: number;
}

/**
 * Creates the limiter's Redis connection (a single server or a Cluster), tuned to fail fast:
 * commands are never queued while disconnected (`enableOfflineQueue: false`), never retried
 * (`maxRetriesPerRequest: 0`) nor resent after a reconnect (`autoResendUnfulfilledCommands:
 * false`: a resent charge would be counted twice), and the client reconnects forever with a
 * short backoff, so shared limits come back by themselves when Redis does.
 *
 * No `commandTimeout`: its timer cannot tell a stalled event loop from a slow Redis (after a
 * stall it fires before the waiting reply is read, on a healthy Redis), and the reply of a command
 * it rejected is thrown away, so a charge Redis did make could not be given back. Callers bound
 * their wait with `withDeadline`, which can tell, and which leaves the command pending so that a
 * late reply is still read.
 */
export function createRedisClient(options: RedisConnectionOptions): Redis | Cluster {
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const maxDelayMs = options.maxReconnectDelayMs ?? 500;
  const reconnectDelayMs = (attempt: number) => Math.min(50 * attempt, maxDelayMs);
  const redisOptions: RedisOptions = {
    connectTimeout: Math.max(1000, timeoutMs * 10),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // No auto-pipelining: it builds a Pipeline per tick and per batch, and under load the charges
    // rarely share a tick, so it cost ~7 µs of CPU per operation for writes it seldom merged
    // (commands are still sent without waiting for the replies of earlier ones).
    enableAutoPipelining: false,
    retryStrategy: reconnectDelayMs,
  };
  if (options.clusterNodes && options.url) {
    throw new TypeError('createRedisClient: give either url or clusterNodes, not both');
  }
  if (options.clusterNodes) {
    if (options.clusterNodes.length === 0) throw new TypeError('createRedisClient: clusterNodes is empty');
    return quiet(
      new Cluster([...options.clusterNodes], {
        // ioredis forces an offline queue on the node connections; the cluster's own queue is
        // what holds commands while the cluster is not ready, and that one stays off.
        redisOptions,
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelayMs,
        // A moved slot or a failover is retried inside the limiter's deadline, not beyond it.
        retryDelayOnFailover: 0,
        retryDelayOnClusterDown: 0,
        retryDelayOnTryAgain: Math.min(100, timeoutMs),
        slotsRefreshTimeout: Math.max(1000, timeoutMs * 10),
      }),
    );
  }
  if (!options.url) throw new TypeError('createRedisClient: give url or clusterNodes');
  return quiet(new Redis(options.url, redisOptions));
}

// Without a listener ioredis prints every failed reconnection attempt; the limiter logs an
// outage once instead, with the error that began it.
function quiet<T extends Redis | Cluster>(client: T): T {
  client.on('error', () => {});
  return client;
}

/**
 * Resolves `true` once the client is ready for commands, or `false` after `timeoutMs` (the
 * caller decides whether to start without Redis). Never rejects: connection errors are retried.
 */
export function waitUntilReady(client: Redis | Cluster, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    client.on('ready', onReady);
  });
}

/** How long closing a connection waits for Redis to confirm, in ms, before it just drops it. */
export const CLOSE_TIMEOUT_MS = 1000;

/**
 * Closes a connection politely (`QUIT`) when Redis answers, and drops it when Redis does not
 * within `timeoutMs`: a frozen or black-holed Redis never answers QUIT, and a shutdown (SIGTERM's
 * drain, a command-line tool) must not wait on it forever.
 */
export async function closeRedis(client: Redis | Cluster, timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const quit = client.quit().then(
    () => 'quit' as const,
    () => 'failed' as const,
  );
  const outcome = await Promise.race([quit, gaveUp]);
  clearTimeout(timer);
  if (outcome !== 'quit') client.disconnect();
}
