import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/limiter/memory-store.js';
import type { BucketPolicy } from '../../../src/limiter/store.js';

const policy: BucketPolicy = { capacityMilli: 10_000, refillMilliPerSec: 1 };
const stores: MemoryStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('MemoryStore bounds', () => {
  it('holds at most maxKeys buckets and windows, forgetting the least recently charged', async () => {
    const store = new MemoryStore({ maxKeys: 3 });
    stores.push(store);
    const spend = (client: string) => store.charge({ client, bucket: policy, costMilli: 4000, windows: [] });
    for (const client of ['a', 'b', 'c']) await spend(client);
    await spend('a');
    await spend('d');
    expect(store.size).toBe(3);
    // `b` was the least recently charged: forgotten, its bucket is full again; `a` is remembered.
    expect((await store.peek('b', policy)).remainingMilli).toBe(10_000);
    expect((await store.peek('a', policy)).remainingMilli).toBe(2000);
    const windows = [{ name: 'Query.data', max: 5, windowMs: 60_000, count: 1 }];
    for (let i = 0; i < 100; i++)
      await store.charge({ client: `w${i}`, bucket: null, costMilli: 0, windows });
    expect(store.size).toBe(3);
  });

  it('keeps a refused client in use: a flood of new clients cannot evict its empty bucket first', async () => {
    const store = new MemoryStore({ maxKeys: 3 });
    stores.push(store);
    const spend = (client: string, costMilli = 4000) =>
      store.charge({ client, bucket: policy, costMilli, windows: [] });
    expect((await spend('a', 10_000)).allowed).toBe(true);
    await spend('b');
    await spend('c');
    // `a` is refused (its bucket is empty): that is use, and it moves `a` up.
    expect((await spend('a')).allowed).toBe(false);
    await spend('d');
    expect((await spend('a')).allowed).toBe(false);
    expect((await store.peek('b', policy)).remainingMilli).toBe(10_000);
  });

  it('refuses a cap that is not a whole number of at least one', () => {
    expect(() => new MemoryStore({ maxKeys: 0 })).toThrow(RangeError);
  });
});
