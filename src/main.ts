import { ConfigError, loadConfig } from './config.js';
import { CostDirectiveError } from './cost/index.js';
import { createBookstoreResolvers } from './demo/resolvers.js';
import { RateLimitDirectiveError } from './directives/rate-limit.js';
import { createIdentity } from './identity/create-identity.js';
import { createLimiterStore } from './limiter/create-store.js';
import { createLogger, wantsPrettyLogs } from './logger.js';
import { createObservers, storeHooks } from './observe/observers.js';
import { safeConfig } from './observe/safe-config.js';
import { rateLimitFieldResolvers } from './plugin/rate-limit-field.js';
import { buildTollgateSchema, readSchemaFolder } from './schema/build-schema.js';
import { createTollgateServer } from './server.js';

// The composition root: configuration → store → schema → server → listen.
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.log.level,
    pretty: wantsPrettyLogs(process.stdout.isTTY, config.production),
  });
  logger.info({ config: safeConfig(config) }, 'effective configuration');
  const schema = buildTollgateSchema({
    typeDefs: readSchemaFolder(config.schemaDir),
    resolvers: [createBookstoreResolvers(), rateLimitFieldResolvers],
    defaultListSize: config.cost.defaultListSize,
  });
  const observers = createObservers({
    logger,
    coordinates: schema.rateLimitRules.keys(),
    clientRefSecret: config.log.clientRefSecret,
  });
  const store = await createLimiterStore({ config, logger, ...storeHooks(observers.events) });
  logger.info(
    {
      store: store.kind,
      ...(store.kind === 'memory' ? {} : { failurePolicy: config.redis.failurePolicy }),
      costMode: config.cost.mode,
      tiers: config.tiers,
      defaultListSize: config.cost.defaultListSize,
    },
    store.kind === 'memory'
      ? 'limits are kept in this process (set REDIS_URL to share them between processes)'
      : 'limits are kept in Redis',
  );
  const identity = await createIdentity({ config, store, logger, events: observers.events });
  const server = await createTollgateServer({ config, schema, store, logger, observers, identity });
  const shutdown = async (signal: string) => {
    logger.info({ signal, graceMs: config.drainGraceMs }, 'draining');
    try {
      server.beginDrain();
      await new Promise((resolve) => setTimeout(resolve, config.drainGraceMs));
      await server.stop();
    } catch (error) {
      logger.error({ err: error }, 'the drain failed');
      process.exit(1);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const url = await server.listen(config.port, config.host);
  logger.info({ url }, `Tollgate ready at ${url}`);
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
