import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { TollgateConfig } from './config/index.js';
import type { TollgateContext } from './context.js';
import { closeConnectionsOnDrain } from './http/close-on-drain.js';
import { createRequestListener } from './http/graphql-handler.js';
import { createOpsRoutes } from './http/ops-routes.js';
import type { Identity } from './identity/create-identity.js';
import { RedisStore } from './limiter/redis-store.js';
import type { LimiterStore } from './limiter/store.js';
import { documentLimitRules } from './limits/document-limits.js';
import { formatLimitError } from './limits/format-limit-error.js';
import type { Logger } from './logger.js';
import { createObservers, type TollgateObservers } from './observe/observers.js';
import { timedStore } from './observe/timed-store.js';
import { FieldGrants } from './plugin/field-grants.js';
import { createTollgatePlugin } from './plugin/tollgate-plugin.js';
import { createLandingPagePlugin } from './sandbox/landing-page.js';
import type { TollgateSchema } from './schema/build-schema.js';

/** A running Tollgate: an HTTP server with the GraphQL endpoint and its limiter. */
export interface TollgateServer {
  readonly httpServer: Server;
  /** Metrics and rejection logs of this server (its registry is served at `/metrics`). */
  readonly observers: TollgateObservers;
  /** Listens and returns the GraphQL endpoint's URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops taking requests, lets in-flight ones and pending refunds finish, closes the store. */
  stop(): Promise<void>;
  /**
   * Starts draining without stopping yet: every answer from now on closes its connection, so
   * keep-alive clients move off this server gracefully. `stop()` begins it too.
   */
  beginDrain(): void;
}

/** Options of {@link createTollgateServer}. */
export interface TollgateServerOptions {
  config: Pick<TollgateConfig, 'cost' | 'tiers' | 'explorer' | 'limits'>;
  schema: TollgateSchema;
  store: LimiterStore;
  logger: Logger;
  /** Who is calling (`createIdentity`); the server closes it on `stop()`. */
  identity: Identity;
  /** Metrics and logs; default `createObservers` for this server (create them first to wire store hooks). */
  observers?: TollgateObservers;
}

/** Assembles Apollo Server, the Tollgate plugin and the HTTP front; started, not yet listening. */
export async function createTollgateServer(options: TollgateServerOptions): Promise<TollgateServer> {
  const { config, schema, logger } = options;
  const observers =
    options.observers ?? createObservers({ logger, coordinates: schema.rateLimitRules.keys() });
  // A bare RedisStore is timed here; a ResilientStore times its Redis calls itself (`storeHooks`).
  const store =
    options.store instanceof RedisStore ? timedStore(options.store, observers.events) : options.store;
  const httpServer = createServer();
  const drain = closeConnectionsOnDrain(httpServer);
  const apollo = new ApolloServer<TollgateContext>({
    schema: schema.schema,
    allowBatchedHttpRequests: true,
    includeStacktraceInErrorResponses: false,
    // The input limits: the parser stops at maxTokens, the rules refuse depth, aliases and
    // directives before the plugin prices anything; formatError gives clients the limit's code.
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: documentLimitRules(config.limits),
    formatError: formatLimitError,
    // Set explicitly so the operator's settings win over Apollo's own NODE_ENV defaults.
    introspection: config.explorer.introspection,
    // main.ts drains on SIGTERM and exits 0; Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      createLandingPagePlugin({ enabled: config.explorer.landingPage }),
      createTollgatePlugin({
        store,
        costModel: schema.costModel,
        rateLimitRules: schema.rateLimitRules,
        tiers: config.tiers,
        mode: config.cost.mode,
        logger,
        events: observers.events,
      }),
    ],
  });
  await apollo.start();

  const context = async (request: IncomingMessage): Promise<TollgateContext> => {
    // First of all: a bad key is answered (401) before anything is parsed or priced.
    const client = await options.identity.identify(request);
    // Until the plugin charges the operation, every @rateLimit call would ask the store itself.
    return { client, fieldAdmission: new FieldGrants(client.id, store) };
  };
  httpServer.on(
    'request',
    createRequestListener({
      apollo,
      context,
      routes: createOpsRoutes({ registry: observers.registry, store }),
      maxBodyBytes: config.limits.maxBodyBytes,
      limits: config.limits,
      onError: (error) => logger.error({ err: error }, 'request failed'),
    }),
  );

  return {
    httpServer,
    observers,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const { port: actual } = httpServer.address() as AddressInfo;
      return `http://${host && host !== '0.0.0.0' ? host : 'localhost'}:${actual}/graphql`;
    },
    beginDrain: () => drain.start(),
    async stop() {
      drain.start();
      await apollo.stop();
      await options.identity.close();
      await store.close();
    },
  };
}
