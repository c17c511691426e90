import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LUA_SCRIPTS } from '../../../src/limiter/lua-scripts.js';
import { RedisStore } from '../../../src/limiter/redis-store.js';
import type { BucketPolicy, RefundRequest } from '../../../src/limiter/store.js';

const REFUND_SHA = createHash('sha1').update(LUA_SCRIPTS.refund).digest('hex');

// The store's own connection, watched: how many refund scripts it sends.
const redis = new Redis(inject('redisUrl'));
const store = new RedisStore(redis);
const send = redis.sendCommand.bind(redis);
let refundCalls = 0;
redis.sendCommand = (command, stream) => {
  if (command.name === 'evalsha' && command.args[0] === REFUND_SHA) refundCalls += 1;
  return send(command, stream);
};
afterAll(() => store.close());

// A refill so slow that nothing refills during a test: the bucket moves only by charges and refunds.
const bucket: BucketPolicy = { capacityMilli: 100_000, refillMilliPerSec: 1 };

/** A new client whose bucket holds 50 of its 100 points. */
async function halfEmpty(): Promise<string> {
  const client = `test:${randomUUID()}`;
  const charged = await store.charge({ client, bucket, costMilli: 50_000, windows: [] });
  expect(charged.remainingMilli).toBe(50_000);
  return client;
}

const points = (client: string, refundMilli: number): RefundRequest => ({
  client,
  bucket,
  refundMilli,
  reservation: 'r',
  windows: [],
});

const remainingOf = async (client: string) => (await store.peek(client, bucket)).remainingMilli;

describe('RedisStore refunds', () => {
  it('gives back the points of several refunds of one bucket in one turn in one script call', async () => {
    const client = await halfEmpty();
    refundCalls = 0;
    await Promise.all([1, 2, 3, 4, 5].map(() => store.refund(points(client, 2_000))));
    expect(refundCalls).toBe(1);
    expect(await remainingOf(client)).toBe(60_000);
  });

  it('caps the sum at capacity, as separate refunds would', async () => {
    const client = await halfEmpty();
    await Promise.all([1, 2, 3].map(() => store.refund(points(client, 30_000))));
    expect(await remainingOf(client)).toBe(100_000);
  });

  it('sends each bucket its own sum, and refunds of later turns separately', async () => {
    const [first, second] = [await halfEmpty(), await halfEmpty()];
    refundCalls = 0;
    await Promise.all([
      store.refund(points(first, 1_000)),
      store.refund(points(second, 3_000)),
      store.refund(points(first, 1_000)),
    ]);
    expect(refundCalls).toBe(2);
    await store.refund(points(first, 1_000));
    expect(refundCalls).toBe(3);
    expect(await remainingOf(first)).toBe(53_000);
    expect(await remainingOf(second)).toBe(53_000);
  });

  it('sends a refund that gives back window calls or a concurrency slot by itself, under its reservation', async () => {
    const client = await halfEmpty();
    const charged = await store.charge({
      client,
      bucket,
      costMilli: 0,
      windows: [{ name: 'Query.data', max: 10, windowMs: 60_000, count: 3 }],
    });
    refundCalls = 0;
    await Promise.all([
      store.refund(points(client, 1_000)),
      store.refund({
        ...points(client, 1_000),
        reservation: charged.reservation,
        windows: [
          { name: 'Query.data', granted: 3, used: 1, grantedAtMs: charged.windows[0]?.grantedAtMs ?? 0 },
        ],
      }),
    ]);
    expect(refundCalls).toBe(2);
    expect(await remainingOf(client)).toBe(52_000);
    const again = await store.charge({
      client,
      bucket: null,
      costMilli: 0,
      windows: [{ name: 'Query.data', max: 10, windowMs: 60_000, count: 10 }],
    });
    // One call of the three kept, two given back: nine of ten left.
    expect(again.windows[0]?.granted).toBe(9);
  });
});
