import { Redis } from 'ioredis';
import type { TierName } from '../../src/config/index.js';
import { createApiKey } from '../../src/identity/api-keys.js';
import { RedisKeyStore } from '../../src/identity/redis-key-store.js';

/** Creates an API key in the key store of a Redis (for servers in processes of their own). */
export async function createKeyInRedis(redisUrl: string, tier: TierName = 'free'): Promise<string> {
  const store = new RedisKeyStore(new Redis(redisUrl));
  try {
    return (await createApiKey(store, 'test', tier)).key;
  } finally {
    await store.close();
  }
}
