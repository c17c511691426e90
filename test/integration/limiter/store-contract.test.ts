import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { clientKeyPattern } from '../../../src/limiter/keys.js';
import { MemoryStore } from '../../../src/limiter/memory-store.js';
import { RedisStore } from '../../../src/limiter/redis-store.js';
import { describeStoreContract } from '../../support/store-contract.js';

describeStoreContract('redis', async () => {
  const redis = new Redis(inject('redisUrl'));
  return {
    store: new RedisStore(redis),
    // Reads through the store's own connection: a second one would outlive the suite.
    footprint: async (client) => (await redis.keys(clientKeyPattern(client))).length,
    windowState: async (key) => ({
      // Two fields hold the window's shape (slot length and modulus); the rest are counters.
      counters: Math.max(0, (await redis.hlen(key)) - 2),
      bytes: Number(await redis.memory('USAGE', key)),
    }),
  };
});

describeStoreContract('memory', async () => {
  const store = new MemoryStore({ sweepIntervalMs: 50 });
  return {
    store,
    footprint: async (client) => {
      const prefix = clientKeyPattern(client).slice(0, -1);
      return [...store.keys()].filter((key) => key.startsWith(prefix)).length;
    },
    windowState: async (key) => ({ counters: store.windowCounters(key) }),
  };
});
