import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';
import { bucketKey, windowKey } from './keys.js';
import type { BucketPolicy, ChargeRequest, ChargeResult, LimiterStore, RefundRequest } from './store.js';

const CHARGE_LUA = readFileSync(new URL('./scripts/charge.lua', import.meta.url), 'utf8');
const REFUND_LUA = readFileSync(new URL('./scripts/refund.lua', import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** scripts/charge.lua: `numKeys, ...keys, ...args` → `[allowed, remaining, retry, full, (granted, retry)*]`. */
    tollgateCharge(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number[], Context>;
    /** scripts/refund.lua: `numKeys, ...keys, ...args` → remaining milli-points. */
    tollgateRefund(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number, Context>;
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
    redis.defineCommand('tollgateCharge', { lua: CHARGE_LUA });
    redis.defineCommand('tollgateRefund', { lua: REFUND_LUA });
  }

  async charge(request: ChargeRequest): Promise<ChargeResult> {
    const reservation = randomBytes(9).toString('base64url');
    const keys = [bucketKey(request.client)];
    const args: Array<string | number> = [...bucketArgs(request.bucket), request.costMilli, reservation];
    for (const window of request.windows) {
      keys.push(windowKey(request.client, window.name));
      args.push(window.max, window.windowMs, window.count);
    }
    const reply = await this.redis.tollgateCharge(keys.length, ...keys, ...args);
    const windows = request.windows.map((_, i) => ({
      granted: reply[4 + 2 * i] ?? 0,
      retryAfterMs: reply[5 + 2 * i] ?? 0,
    }));
    return {
      allowed: reply[0] === 1,
      remainingMilli: reply[1] ?? 0,
      retryAfterMs: reply[2] ?? 0,
      fullAfterMs: reply[3] ?? 0,
      windows,
      reservation,
    };
  }

  async refund(request: RefundRequest): Promise<void> {
    const keys = [bucketKey(request.client)];
    const args: Array<string | number> = [
      ...bucketArgs(request.bucket),
      request.refundMilli,
      request.reservation,
    ];
    for (const window of request.windows) {
      if (window.used >= window.granted) continue;
      keys.push(windowKey(request.client, window.name));
      args.push(window.used, window.granted - 1);
    }
    if (keys.length === 1 && (request.bucket === null || request.refundMilli <= 0)) return;
    await this.redis.tollgateRefund(keys.length, ...keys, ...args);
  }

  async peek(client: string, bucket: BucketPolicy): Promise<{ remainingMilli: number; fullAfterMs: number }> {
    const result = await this.charge({ client, bucket, costMilli: 0, windows: [] });
    return { remainingMilli: result.remainingMilli, fullAfterMs: result.fullAfterMs };
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function bucketArgs(bucket: BucketPolicy | null): [number, number] {
  return bucket ? [bucket.capacityMilli, bucket.refillMilliPerSec] : [0, 1];
}
