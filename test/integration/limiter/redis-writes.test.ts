import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../../src/limiter/redis-store.js';
import type { BucketPolicy } from '../../../src/limiter/store.js';

const redis = new Redis(inject('redisUrl'));
const store = new RedisStore(redis);
afterAll(() => store.close());

const bucket: BucketPolicy = { capacityMilli: 1_000_000, refillMilliPerSec: 1000 };
const charge = (client: string) => store.charge({ client, bucket, costMilli: 1000, windows: [] });

/**
 * Counts the writes the connection hands the kernel: Node's socket makes one system call per
 * `_write` (one chunk) or `_writev` (the chunks buffered meanwhile).
 */
function countWrites(socket: Socket): { readonly writes: number; restore(): void } {
  const own = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  const { _write, _writev } = own;
  let writes = 0;
  own._write = (...args) => {
    writes += 1;
    _write.apply(socket, args);
  };
  own._writev = (...args) => {
    writes += 1;
    _writev.apply(socket, args);
  };
  return {
    get writes() {
      return writes;
    },
    restore() {
      own._write = _write;
      own._writev = _writev;
    },
  };
}

describe('RedisStore writes', () => {
  it('sends the charges of one turn of the event loop to Redis in one write, each answered', async () => {
    // Loaded first: a script Redis does not have yet is sent again (EVAL) in a later turn.
    await charge(`test:${randomUUID()}`);
    const counter = countWrites(redis.stream as Socket);
    const clients = Array.from({ length: 20 }, () => `test:${randomUUID()}`);
    const results = await Promise.all(clients.map(charge)).finally(() => counter.restore());
    expect(results.map((result) => [result.allowed, result.remainingMilli])).toEqual(
      clients.map(() => [true, 999_000]),
    );
    expect(counter.writes).toBe(1);
  });

  it('writes a charge made alone by the end of its own turn of the event loop', async () => {
    const counter = countWrites(redis.stream as Socket);
    const pending = charge(`test:${randomUUID()}`);
    // This turn's check phase: held no longer than the turn it was made in.
    await new Promise((resolve) => setImmediate(resolve));
    expect(counter.writes).toBe(1);
    expect((await pending.finally(() => counter.restore())).allowed).toBe(true);
  });
});
