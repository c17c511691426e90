import { createTollgate } from './app.js';
import { ConfigError, loadConfig } from './config/index.js';
import { CostDirectiveError } from './cost/index.js';
import { RateLimitDirectiveError } from './directives/rate-limit.js';
import { createLogger, wantsPrettyLogs } from './logger.js';
import { safeConfig } from './observe/safe-config.js';

// The composition root: configuration → logger → the server (app.ts) → signals → listen.
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    level: config.log.level,
    pretty: wantsPrettyLogs(process.stdout.isTTY, config.production),
  });
  logger.info({ config: safeConfig(config) }, 'effective configuration');
  const { server, store } = await createTollgate(config, { logger });
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
