import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { TollgateConfig } from './config.js';
import type { TollgateContext } from './context.js';
import { createRequestListener } from './http/graphql-handler.js';
import { identifyClient } from './identity/client-identity.js';
import type { LimiterStore } from './limiter/store.js';
import type { Logger } from './logger.js';
import { FieldGrants } from './plugin/field-grants.js';
import { createTollgatePlugin } from './plugin/tollgate-plugin.js';
import type { TollgateSchema } from './schema/build-schema.js';

/** A running Tollgate: an HTTP server with the GraphQL endpoint and its limiter. */
export interface TollgateServer {
  readonly httpServer: Server;
  /** Listens and returns the GraphQL endpoint's URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops taking requests, lets in-flight ones and pending refunds finish, closes the store. */
  stop(): Promise<void>;
}

/** Options of {@link createTollgateServer}. */
export interface TollgateServerOptions {
  config: Pick<TollgateConfig, 'cost' | 'tiers'>;
  schema: TollgateSchema;
  store: LimiterStore;
  logger: Logger;
}

/** Assembles Apollo Server, the Tollgate plugin and the HTTP front; started, not yet listening. */
export async function createTollgateServer(options: TollgateServerOptions): Promise<TollgateServer> {
  const { config, schema, store, logger } = options;
  const httpServer = createServer();
  const apollo = new ApolloServer<TollgateContext>({
    schema: schema.schema,
    allowBatchedHttpRequests: true,
    includeStacktraceInErrorResponses: false,
    // main.ts drains on SIGTERM and exits 0; Apollo's own handler would re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      createTollgatePlugin({
        store,
        costModel: schema.costModel,
        rateLimitRules: schema.rateLimitRules,
        tiers: config.tiers,
        mode: config.cost.mode,
        logger,
      }),
    ],
  });
  await apollo.start();

  const context = async (request: IncomingMessage): Promise<TollgateContext> => {
    const client = identifyClient(request.headers, request.socket.remoteAddress);
    // Until the plugin charges the operation, every @rateLimit call would ask the store itself.
    return { client, fieldAdmission: new FieldGrants(client.id, store) };
  };
  httpServer.on(
    'request',
    createRequestListener({
      apollo,
      context,
      onError: (error) => logger.error({ err: error }, 'request failed'),
    }),
  );

  return {
    httpServer,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const { port: actual } = httpServer.address() as AddressInfo;
      return `http://${host && host !== '0.0.0.0' ? host : 'localhost'}:${actual}/graphql`;
    },
    async stop() {
      await apollo.stop();
      await store.close();
    },
  };
}
