import type { BaseContext } from '@apollo/server';
import { loadConfig } from '../config/index.js';
import { defaultLogger } from '../logger.js';
import { safeConfig } from '../observe/safe-config.js';
import { createTollgate, type TollgateOptions } from '../tollgate.js';
import { type AppContext, createTollgateServer, type TollgateServer } from './create-server.js';
import { describeStartupFailure } from './startup-failure.js';

/** Options of {@link serve}: the app's schema and resolvers, and Tollgate's options. */
export interface ServeOptions<TAppContext extends BaseContext = BaseContext> extends TollgateOptions {
  /** The app's own context fields (its user, data loaders), built per request. Default none. */
  context?: AppContext<TAppContext>;
}

/** The server {@link serve} started. */
export interface ServedTollgate {
  /** The GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  readonly url: string;
  readonly server: TollgateServer;
}

/**
 * Runs Tollgate's whole server around an app's SDL and resolvers as this process's job: reads the
 * configuration (`PORT`, `HOST`, `REDIS_URL`, `TOLLGATE_*`), listens, and on SIGTERM or SIGINT
 * drains and exits 0: it keeps serving for `drainGraceMs`, every answer closing its connection,
 * then stops listening, answers every request in progress (up to `drainTimeoutMs`), writes the
 * pending refunds and closes the store. A start-up failure that is
 * the operator's to fix (a bad setting, schema or directive, a port in use) prints one line on
 * stderr and exits 1.
 *
 * @example
 * await serve({ typeDefs: new URL('./schema.graphql', import.meta.url), resolvers });
 */
export async function serve<TAppContext extends BaseContext = BaseContext>(
  options: ServeOptions<TAppContext>,
): Promise<ServedTollgate> {
  try {
    return await start(options);
  } catch (error) {
    const line = describeStartupFailure(error);
    if (line === undefined) throw error;
    process.stderr.write(`tollgate: ${line}\n`);
    process.exit(1);
  }
}

async function start<TAppContext extends BaseContext>(
  options: ServeOptions<TAppContext>,
): Promise<ServedTollgate> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? defaultLogger(config);
  logger.info({ config: safeConfig(config) }, 'effective configuration');
  const tollgate = await createTollgate({ ...options, config, logger });
  const { store } = tollgate;
  logger.info(
    {
      store: store.kind,
      ...(store.kind === 'memory' ? {} : { failurePolicy: config.redis.failurePolicy }),
      costMode: config.cost.mode,
      tiers: config.tiers,
    },
    store.kind === 'memory'
      ? 'limits are kept in this process (set REDIS_URL to share them between processes)'
      : 'limits are kept in Redis',
  );
  const server = await createTollgateServer({
    tollgate,
    ...(options.context ? { context: options.context } : {}),
  });

  // The first SIGTERM or SIGINT drains; the other signal then changes nothing, and the same one
  // again ends the process at once (its listener is gone): a second Ctrl-C forces the exit.
  let draining = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    logger.info({ signal, graceMs: config.drainGraceMs, timeoutMs: config.drainTimeoutMs }, 'draining');
    try {
      server.beginDrain();
      await new Promise((resolve) => setTimeout(resolve, config.drainGraceMs));
      await server.stop();
    } catch (error) {
      logger.error({ err: error }, 'the drain failed');
      process.exit(1);
    }
    logger.info('drained');
    process.exit(0);
  };
  let url: string;
  try {
    url = await server.listen(config.port, config.host);
  } catch (error) {
    // Close what was opened (Redis, the key store); the listen error is the one to tell.
    await server.stop().catch(() => {});
    throw error;
  }
  // Only a server that listens owns the process's signals.
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
  logger.info({ url }, `Tollgate ready at ${url}`);
  return { url, server };
}
