import { Redis } from 'ioredis';
import { ConfigError, loadConfig } from './config.js';
import { CostDirectiveError } from './cost/index.js';
import { createBookstoreResolvers } from './demo/resolvers.js';
import { RateLimitDirectiveError } from './directives/rate-limit.js';
import { MemoryStore } from './limiter/memory-store.js';
import { RedisStore } from './limiter/redis-store.js';
import type { LimiterStore } from './limiter/store.js';
import { createLogger } from './logger.js';
import { rateLimitFieldResolvers } from './plugin/rate-limit-field.js';
import { buildTollgateSchema, readSchemaFolder } from './schema/build-schema.js';
import { createTollgateServer } from './server.js';

// The composition root: configuration → store → schema → server → listen.
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: process.env.LOG_LEVEL });
  const schema = buildTollgateSchema({
    typeDefs: readSchemaFolder(config.schemaDir),
    resolvers: [createBookstoreResolvers(), rateLimitFieldResolvers],
    defaultListSize: config.cost.defaultListSize,
  });
  const store = createStore(config.redisUrl);
  logger.info(
    {
      store: store.kind,
      costMode: config.cost.mode,
      tiers: config.tiers,
      defaultListSize: config.cost.defaultListSize,
    },
    store.kind === 'memory'
      ? 'limits are kept in this process (set REDIS_URL to share them between processes)'
      : 'limits are kept in Redis',
  );
  const server = await createTollgateServer({ config, schema, store, logger });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'draining');
    await server.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const url = await server.listen(config.port, config.host);
  logger.info({ url }, `Tollgate ready at ${url}`);
}

function createStore(redisUrl: string | null): LimiterStore {
  if (!redisUrl) return new MemoryStore();
  return new RedisStore(new Redis(redisUrl, { maxRetriesPerRequest: 1 }));
}

main().catch((error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof RateLimitDirectiveError ||
    error instanceof CostDirectiveError;
  // Start-up mistakes are the operator's to fix: say which, without a stack trace.
  console.error(`tollgate: ${known ? (error as Error).message : (error as Error).stack}`);
  process.exit(1);
});
