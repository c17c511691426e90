import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RedisStore } from '../../../src/limiter/redis-store.js';

/** Redis memory for many active clients of one limiter, and what is left once they go quiet. */
export interface MemoryResult {
  variant: string;
  clients: number;
  /** Keys right after the clients were active. */
  keys: number;
  /** `used_memory` growth per active client, in bytes. */
  bytesPerClient: number;
  /** Keys left after waiting for expiry (0: nothing is kept for idle clients). */
  keysAfterIdle: number;
  /** `used_memory` left over once idle, compared with before, in bytes. */
  residualBytes: number;
  /** Seconds from the last client's request until its keys were all gone. */
  expiredAfterSec: number;
}

interface Variant {
  id: string;
  /** Makes client `i` active once; keys must expire `ttlSec` after. */
  touch(redis: Redis, client: string, ttlSec: number): Promise<unknown>;
  /**
   * Keys one client holds, when the memory is to be divided by the clients whose keys are still
   * there: a variant slow enough that the first clients' keys expire before the last are touched.
   */
  keysPerClient?: number;
}

const BATCH = 1000;

/** Tollgate's store: a bucket emptied by one charge refills in `ttlSec` (so its key expires then). */
function tollgateVariant(withWindow: boolean): Variant {
  let store: RedisStore | undefined;
  return {
    id: withWindow ? 'Tollgate: bucket + one @rateLimit window' : 'Tollgate: bucket',
    touch(redis, client, ttlSec) {
      store ??= new RedisStore(redis);
      return store.charge({
        client,
        bucket: { capacityMilli: 100_000, refillMilliPerSec: Math.ceil(100_000 / ttlSec) },
        costMilli: 100_000,
        windows: withWindow ? [{ name: 'Query.data', max: 5, windowMs: ttlSec * 1000, count: 1 }] : [],
      });
    },
  };
}

/** The `max` of the window rows: a window that a log of call times would hold 10,000 entries for. */
const LARGE_MAX = 10_000;

/** The row of one window holding `max` 10,000 calls spread over all its sub-windows: the most it keeps. */
export const WINDOW_WORST_CASE = `Tollgate: one @rateLimit window, max ${LARGE_MAX.toLocaleString('en-US')}, full, calls in all 64 sub-windows`;

/**
 * Tollgate's window of a large `max` (the window's length is the expiry, `ttlSec`; its state is the
 * same for any length). `spread`: 10,000 calls in all 64 sub-windows, as a client calling all day
 * leaves them (settled at their ages, which a benchmark cannot wait for); else one charge of 100 calls.
 */
function largeWindowVariant(spread: boolean): Variant {
  let store: RedisStore | undefined;
  return {
    // A settle of 64 sub-windows per client is slow enough that the first clients' keys expire.
    ...(spread ? { keysPerClient: 1 } : {}),
    id: spread
      ? WINDOW_WORST_CASE
      : `Tollgate: bucket + one @rateLimit window, max ${LARGE_MAX.toLocaleString('en-US')}, 100 calls`,
    touch(redis, client, ttlSec) {
      store ??= new RedisStore(redis);
      const windowMs = ttlSec * 1000;
      const window = { name: 'Query.search', max: LARGE_MAX, windowMs };
      if (!spread) {
        return store.charge({
          client,
          bucket: { capacityMilli: 100_000, refillMilliPerSec: Math.ceil(100_000 / ttlSec) },
          costMilli: 100_000,
          windows: [{ ...window, count: 100 }],
        });
      }
      const calls = Array.from({ length: 64 }, (_, i) => ({
        ageMs: Math.floor((i * windowMs) / 64),
        count: Math.floor(LARGE_MAX / 64) + (i < LARGE_MAX % 64 ? 1 : 0),
      }));
      return store.settle({ client, bucket: null, debtMilli: 0, windows: [{ ...window, calls }] });
    },
  };
}

const VARIANTS: Array<() => Variant> = [
  () => ({
    id: 'Classic INCR+EXPIRE',
    touch: (redis, client, ttlSec) => {
      const key = `classic:${client}:${Math.floor(Date.now() / (ttlSec * 1000))}`;
      return redis.multi().incr(key).expire(key, ttlSec).exec();
    },
  }),
  () => {
    let limiter: RateLimiterRedis | undefined;
    return {
      id: 'rate-limiter-flexible Redis',
      touch: (redis, client, ttlSec) => {
        limiter ??= new RateLimiterRedis({ storeClient: redis, points: 100, duration: ttlSec });
        return limiter.consume(client, 1);
      },
    };
  },
  () => tollgateVariant(false),
  () => tollgateVariant(true),
  () => largeWindowVariant(false),
  () => largeWindowVariant(true),
];

/**
 * Drives each limiter directly (no HTTP) with `clients` distinct clients, pipelined, on an
 * emptied Redis; reads `used_memory` before and after, then waits for every key to expire.
 */
export async function measureMemory(url: string, clients: number, ttlSec: number): Promise<MemoryResult[]> {
  const redis = new Redis(url, { enableAutoPipelining: true });
  const results: MemoryResult[] = [];
  try {
    for (const makeVariant of VARIANTS) {
      const variant = makeVariant();
      // Load the variant's scripts first: Redis keeps them across FLUSHALL, and they are not per client.
      await variant.touch(redis, 'warm-up', ttlSec);
      await redis.flushall();
      const baseline = await usedMemory(redis);
      for (let first = 0; first < clients; first += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, clients - first) }, (_, i) => first + i);
        await Promise.all(batch.map((i) => variant.touch(redis, clientId(i), ttlSec)));
      }
      const lastTouch = Date.now();
      const keys = await redis.dbsize();
      const active = await usedMemory(redis);
      const keysAfterIdle = await waitForNoKeys(redis, ttlSec + 30);
      const expiredAfterSec = (Date.now() - lastTouch) / 1000;
      // Redis shrinks its key tables in its cron, a little after the keys are gone.
      await sleep(1000);
      results.push({
        variant: variant.id,
        clients,
        keys,
        bytesPerClient:
          (active - baseline) / (variant.keysPerClient ? keys / variant.keysPerClient : clients),
        keysAfterIdle,
        residualBytes: (await usedMemory(redis)) - baseline,
        expiredAfterSec,
      });
    }
  } finally {
    redis.disconnect();
  }
  return results;
}

/** A realistic client id: an IPv4 address, as Tollgate keys anonymous callers. */
function clientId(i: number): string {
  return `ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

async function waitForNoKeys(redis: Redis, timeoutSec: number): Promise<number> {
  const deadline = Date.now() + timeoutSec * 1000;
  let keys = await redis.dbsize();
  while (keys > 0 && Date.now() < deadline) {
    await sleep(250);
    keys = await redis.dbsize();
  }
  return keys;
}
