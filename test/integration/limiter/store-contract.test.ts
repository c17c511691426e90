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
  };
});
