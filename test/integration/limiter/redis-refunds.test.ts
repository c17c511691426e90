import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REFUND_HOLD_MS } from '../../../src/limiter/held-refunds.js';
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

// How late past the hold a refund may land on a busy machine (the whole suite runs in parallel).
const MARGIN_MS = 500;
// Long enough for a held refund to have been sent, short next to a second of refill (1 milli-point).
const PAST_HOLD_MS = REFUND_HOLD_MS * 10;

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

  it('sends each bucket its own sum, and a refund that comes after the last one landed separately', async () => {
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

  it('gives a points-only refund back with the next charge of its bucket, in that call', async () => {
    const client = await halfEmpty();
    refundCalls = 0;
    const refunded = store.refund(points(client, 7_000));
    const charged = await store.charge({ client, bucket, costMilli: 3_000, windows: [] });
    await refunded;
    // 50 - 3 + 7, decided in one script call; the refund resolved with it.
    expect(charged.remainingMilli).toBe(54_000);
    await sleep(PAST_HOLD_MS);
    expect(refundCalls).toBe(0);
    expect(await remainingOf(client)).toBe(54_000);
  });

  it('decides the charge that carries a refund on the bucket with the refund in it', async () => {
    const client = await halfEmpty();
    await store.charge({ client, bucket, costMilli: 48_000, windows: [] });
    refundCalls = 0;
    // 2 points left: a charge of 6 passes only with the 5 given back.
    const refunded = store.refund(points(client, 5_000));
    const charged = await store.charge({ client, bucket, costMilli: 6_000, windows: [] });
    await refunded;
    expect(charged.allowed).toBe(true);
    expect(charged.remainingMilli).toBe(1_000);
    expect(refundCalls).toBe(0);
  });

  it('keeps the refund a refused charge carried', async () => {
    const client = await halfEmpty();
    await store.charge({ client, bucket, costMilli: 48_000, windows: [] });
    refundCalls = 0;
    const refunded = store.refund(points(client, 1_000));
    const charged = await store.charge({ client, bucket, costMilli: 10_000, windows: [] });
    await refunded;
    expect(charged.allowed).toBe(false);
    expect(charged.remainingMilli).toBe(3_000);
    expect(refundCalls).toBe(0);
    expect(await remainingOf(client)).toBe(3_000);
  });

  it('sends a refund by itself when no charge of its bucket comes within the hold', async () => {
    const client = await halfEmpty();
    refundCalls = 0;
    const started = performance.now();
    // What the plugin's drain waits on: the promise settles once the refund landed.
    await store.refund(points(client, 4_000));
    const tookMs = performance.now() - started;
    expect(refundCalls).toBe(1);
    expect(tookMs).toBeGreaterThanOrEqual(REFUND_HOLD_MS);
    expect(tookMs).toBeLessThan(REFUND_HOLD_MS + MARGIN_MS);
    expect(await remainingOf(client)).toBe(54_000);
  });

  it('sends the refunds it holds before closing', async () => {
    const client = await halfEmpty();
    const closing = new RedisStore(new Redis(inject('redisUrl')));
    const refunded = closing.refund(points(client, 4_000));
    await closing.close();
    await refunded;
    expect(await remainingOf(client)).toBe(54_000);
  });

  it('gives a refund only to a charge of the same client and bucket policy', async () => {
    const [client, other] = [await halfEmpty(), await halfEmpty()];
    refundCalls = 0;
    const refunded = store.refund(points(client, 4_000));
    // Sent in the same turn as the refund, so all within its hold.
    const [otherClient, otherPolicy, noBucket] = await Promise.all([
      store.charge({ client: other, bucket, costMilli: 1_000, windows: [] }),
      store.charge({ client, bucket: { ...bucket, capacityMilli: 200_000 }, costMilli: 0, windows: [] }),
      store.charge({
        client,
        bucket: null,
        costMilli: 0,
        windows: [{ name: 'Query.data', max: 10, windowMs: 60_000, count: 1 }],
      }),
    ]);
    expect(otherClient.remainingMilli).toBe(49_000);
    expect(otherPolicy.remainingMilli).toBe(50_000);
    expect(noBucket.windows[0]?.granted).toBe(1);
    await refunded;
    expect(refundCalls).toBe(1);
    expect(await remainingOf(client)).toBe(54_000);
    expect(await remainingOf(other)).toBe(49_000);
  });

  it('fails the refund a failed charge carried, and does not send it again', async () => {
    const client = await halfEmpty();
    const connection = new Redis(inject('redisUrl'));
    const failing = new RedisStore(connection);
    await connection.ping();
    const refunded = failing.refund(points(client, 4_000));
    connection.disconnect();
    await expect(failing.charge({ client, bucket, costMilli: 1_000, windows: [] })).rejects.toThrow();
    // Rejected like any refund that did not land: the plugin logs it and drops it.
    await expect(refunded).rejects.toThrow();
    await sleep(PAST_HOLD_MS);
    expect(await remainingOf(client)).toBe(50_000);
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
