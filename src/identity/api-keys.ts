import type { TierName, TollgateConfig } from '../config/index.js';
import { createRedisClient, waitUntilReady } from '../limiter/redis-connection.js';
import { generateApiKey } from './api-key.js';
import { FileKeyStore } from './file-key-store.js';
import type { ApiKeyRecord, KeyStore } from './key-store.js';
import { RedisKeyStore } from './redis-key-store.js';

/**
 * The key store the configuration names: Redis (or the Cluster) when the limits are there,
 * else the keys file of the embedded default.
 */
export async function openKeyStore(
  config: Pick<TollgateConfig, 'redisUrl' | 'redisClusterNodes' | 'identity'>,
): Promise<KeyStore> {
  if (!config.redisUrl && !config.redisClusterNodes) return new FileKeyStore(config.identity.keysFile);
  const client = createRedisClient({
    url: config.redisUrl ?? undefined,
    clusterNodes: config.redisClusterNodes ?? undefined,
    // Key lookups are rare (cached, refreshed in the background); they may take a little longer.
    timeoutMs: 200,
  });
  await waitUntilReady(client, 5000);
  return new RedisKeyStore(client);
}

/** Creates a key for `name` in `tier`. The returned `key` is shown once and never stored. */
export async function createApiKey(
  store: KeyStore,
  name: string,
  tier: TierName,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const { key, id, secretHash } = generateApiKey();
  const record: ApiKeyRecord = {
    id,
    name,
    tier,
    createdAt: new Date().toISOString(),
    lastUsedAt: null,
    revokedAt: null,
    secretHash,
  };
  await store.add(record);
  return { key, record };
}
