import type { TollgateConfig } from './config/index.js';
import { createBookstoreResolvers } from './demo/resolvers.js';
import { createIdentity, type Identity } from './identity/create-identity.js';
import { createLimiterStore } from './limiter/create-store.js';
import type { LimiterStore } from './limiter/store.js';
import type { Logger } from './logger.js';
import { createObservers, storeHooks, type TollgateObservers } from './observe/observers.js';
import { buildTollgateSchema } from './schema/build-schema.js';
import { readSchemaFolder } from './schema/product-sdl.js';
import { createTollgateServer, type TollgateServer } from './server.js';

/** One Tollgate server and the parts it is made of. */
export interface Tollgate {
  server: TollgateServer;
  store: LimiterStore;
  identity: Identity;
  observers: TollgateObservers;
}

/**
 * Builds a Tollgate server from its configuration: schema (its directives validated), observers,
 * the limiter store (Redis behind the failure policy, or memory), identity, and the server that
 * joins them. `npm start` and the tests build it alike.
 */
export async function createTollgate(
  config: TollgateConfig,
  options: { logger: Logger; typeDefs?: string[] },
): Promise<Tollgate> {
  const { logger } = options;
  const schema = buildTollgateSchema({
    typeDefs: options.typeDefs ?? readSchemaFolder(config.schemaDir),
    resolvers: createBookstoreResolvers(),
    defaultListSize: config.cost.defaultListSize,
  });
  const observers = createObservers({
    logger,
    coordinates: schema.rateLimitRules.keys(),
    clientRefSecret: config.log.clientRefSecret,
  });
  const store = await createLimiterStore({ config, logger, ...storeHooks(observers.events) });
  const identity = await createIdentity({ config, store, logger, events: observers.events });
  const server = await createTollgateServer({ config, schema, store, logger, observers, identity });
  return { server, store, identity, observers };
}
