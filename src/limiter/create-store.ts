import type { TollgateConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { refundHoldFor } from './held-refunds.js';
import { MemoryStore } from './memory-store.js';
import { createRedisClient, waitUntilReady } from './redis-connection.js';
import { RedisStore } from './redis-store.js';
import { ResilientStore, type ResilientStoreOptions } from './resilient-store.js';
import type { LimiterStore } from './store.js';

/** Options of {@link createLimiterStore}. */
export interface CreateLimiterStoreOptions {
  config: Pick<TollgateConfig, 'redisUrl' | 'redisClusterNodes' | 'redis'>;
  logger: Logger;
  /** How long start-up waits for Redis before serving anyway (by the failure policy), in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Observers of the Redis store: see {@link ResilientStoreOptions}. */
  onStateChange?: ResilientStoreOptions['onStateChange'];
  onCall?: ResilientStoreOptions['onCall'];
}

/**
 * The limiter store the configuration asks for: in memory without Redis; otherwise Redis (or a
 * Cluster) behind a {@link ResilientStore} with an in-process fallback and the failure policy,
 * judged per Redis node (each Cluster master on its own).
 * Waits a little for Redis to be ready, so that the first requests are limited in it.
 */
export async function createLimiterStore(options: CreateLimiterStoreOptions): Promise<LimiterStore> {
  const { config, logger } = options;
  if (!config.redisUrl && !config.redisClusterNodes) return new MemoryStore();
  const client = createRedisClient({
    url: config.redisUrl ?? undefined,
    clusterNodes: config.redisClusterNodes ?? undefined,
    timeoutMs: config.redis.timeoutMs,
  });
  if (!(await waitUntilReady(client, options.connectTimeoutMs ?? 5000))) {
    logger.warn(
      { policy: config.redis.failurePolicy },
      'Redis is not reachable yet: starting by the failure policy; limits are shared once it is',
    );
  }
  const primary = new RedisStore(client, { refundHoldMs: refundHoldFor(config.redis.timeoutMs) });
  return new ResilientStore({
    primary,
    fallback: new MemoryStore(),
    nodeOf: (client) => primary.nodeOf(client),
    policy: config.redis.failurePolicy,
    timeoutMs: config.redis.timeoutMs,
    logger,
    onStateChange: options.onStateChange,
    onCall: options.onCall,
  });
}
