import type { TollgateConfig } from '../config/index.js';
import type { LimiterStore } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { openKeyStore } from './api-keys.js';
import { createAuthFailureGuard } from './auth-failures.js';
import { createAddressResolver } from './client-address.js';
import { createIdentify, type Identify, type IdentifyClient } from './identify.js';
import type { KeyStore } from './key-store.js';

/** The identity step of a server and the key store behind it. */
export interface Identity {
  identify: Identify;
  keyStore: KeyStore;
  /** Flushes last-used times and closes the key store. */
  close(): Promise<void>;
}

/**
 * Builds the identity step from the configuration: the app's hook, key store and where keys are
 * read from, failure guard, address rules.
 */
export async function createIdentity(options: {
  config: Pick<TollgateConfig, 'redisUrl' | 'redisClusterNodes' | 'identity' | 'redis'>;
  store: LimiterStore;
  logger: Logger;
  events?: TollgateEvents;
  /** The app's identity hook, asked first on every request. Default none. */
  identifyClient?: IdentifyClient;
}): Promise<Identity> {
  const { config, store, logger, events, identifyClient } = options;
  const settings = config.identity;
  const keyStore = await openKeyStore(config);
  const identify = createIdentify({
    keyStore,
    guard: createAuthFailureGuard({
      // Counted where the limits are: in Redis, shared by every process; else in this process.
      ...(config.redisUrl || config.redisClusterNodes ? { store } : {}),
      maxFailures: settings.maxAuthFailures,
      windowMs: settings.authFailuresWindowMs,
    }),
    resolveAddress: createAddressResolver({
      trustedProxies: settings.trustedProxies,
      proxyHeader: settings.proxyHeader,
      ipv6PrefixLength: settings.ipv6PrefixLength,
    }),
    apiKeyHeader: settings.apiKeyHeader,
    bearerApiKeys: settings.bearerApiKeys,
    keyCacheMs: settings.keyCacheMs,
    keyMaxStalenessMs: settings.keyMaxStalenessMs,
    lookupTimeoutMs: config.redis.timeoutMs,
    logger,
    ...(events ? { events } : {}),
    ...(identifyClient ? { identifyClient } : {}),
  });
  return {
    identify,
    keyStore,
    async close() {
      await identify.close();
      await keyStore.close();
    },
  };
}
