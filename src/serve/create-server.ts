import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type BaseContext } from '@apollo/server';
import type { TollgateContext } from '../context.js';
import { createCostModel } from '../cost/index.js';
import { closeConnectionsOnDrain } from '../http/close-on-drain.js';
import { createRequestListener } from '../http/graphql-handler.js';
import { createOpsRoutes } from '../http/ops-routes.js';
import { createLandingPagePlugin, SANDBOX_STARTER_DOCUMENT } from '../sandbox/landing-page.js';
import { priceSandboxExample } from '../sandbox/offline-help.js';
import type { Tollgate } from '../tollgate.js';

/**
 * Adds the app's own fields to each request's context (its user, data loaders), given the request
 * and Tollgate's part. Tollgate's fields win a clash; name yours differently.
 */
export type AppContext<TAppContext extends BaseContext = BaseContext> = (
  request: IncomingMessage,
  tollgate: TollgateContext,
) => TAppContext | Promise<TAppContext>;

/** A running Tollgate: an HTTP server with the GraphQL endpoint and its limiter. */
export interface TollgateServer {
  readonly httpServer: Server;
  /** The Tollgate it serves (store, key store, metrics registry, configuration). */
  readonly tollgate: Tollgate;
  /** Listens and returns the GraphQL endpoint's URL. */
  listen(port: number, host?: string): Promise<string>;
  /**
   * Stops listening, answers every request in progress (up to `drainTimeoutMs`, after which the
   * connections still open are closed), writes pending refunds, closes the store. Once only:
   * later calls return the same promise.
   */
  stop(): Promise<void>;
  /**
   * Starts draining without stopping yet: every answer from now on closes its connection, so
   * keep-alive clients move off this server gracefully, and `/ready` answers 503. `stop()`
   * begins it too.
   */
  beginDrain(): void;
}

/** Options of {@link createTollgateServer}. */
export interface TollgateServerOptions {
  /** The app's Tollgate (`createTollgate`). The server stops it when it stops. */
  tollgate: Tollgate;
  /** The app's own context fields; default none. */
  context?: AppContext;
}

/**
 * Tollgate's whole server around an app's schema: Apollo Server with Tollgate's plugin, on a
 * `node:http` front that answers `/health`, `/ready` and `/metrics`, applies the input limits
 * that come before Apollo (body, batch and variables size), CORS when configured, and the Apollo
 * Sandbox landing page outside production. Started, not yet listening.
 */
export async function createTollgateServer(options: TollgateServerOptions): Promise<TollgateServer> {
  const { tollgate } = options;
  const { config, logger } = tollgate;
  const httpServer = createServer();
  const drain = closeConnectionsOnDrain(httpServer);
  let stopped: Promise<void> | undefined;
  const apollo = new ApolloServer<TollgateContext>({
    ...tollgate.apolloConfig,
    allowBatchedHttpRequests: true,
    includeStacktraceInErrorResponses: false,
    // The process owner (serve()) drains on SIGTERM and exits 0; Apollo's handler would re-raise.
    stopOnTerminationSignals: false,
    plugins: [
      ...tollgate.apolloConfig.plugins,
      createLandingPagePlugin({
        enabled: config.explorer.landingPage,
        apiKeyHeader: config.identity.apiKeyHeader,
        bearerApiKeys: config.identity.bearerApiKeys,
        // Priced once, by the same cost model and settings as every operation.
        ...(config.explorer.landingPage ? { example: landingPageExample(tollgate) } : {}),
      }),
    ],
  });
  await apollo.start().catch(async (error: unknown) => {
    // Apollo never started, so it will never stop and close Tollgate: close it here.
    await tollgate.close();
    throw error;
  });

  const appContext = options.context;
  // Without the app's own fields, Tollgate's context is the whole context: no wrapper, no await.
  const context = appContext
    ? async (request: IncomingMessage): Promise<TollgateContext> => {
        const own = await tollgate.context(request);
        return { ...(await appContext(request, own)), ...own };
      }
    : tollgate.context;
  httpServer.on(
    'request',
    createRequestListener({
      apollo,
      context,
      routes: createOpsRoutes({
        registry: tollgate.registry,
        store: tollgate.store,
        draining: () => drain.draining,
      }),
      maxBodyBytes: config.limits.maxBodyBytes,
      limits: config.limits,
      schema: tollgate.apolloConfig.schema,
      cors: { ...config.cors, apiKeyHeader: config.identity.apiKeyHeader },
      onError: (error) => logger.error({ err: error }, 'request failed'),
    }),
  );

  return {
    httpServer,
    tollgate,
    async listen(port, host) {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve();
        });
      });
      const { port: actual } = httpServer.address() as AddressInfo;
      return `http://${host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost'}:${actual}/graphql`;
    },
    beginDrain: () => drain.start(),
    stop() {
      stopped ??= (async () => {
        const { cut } = await drain.close(config.drainTimeoutMs);
        if (cut > 0) {
          logger.warn(
            { cut, timeoutMs: config.drainTimeoutMs },
            'answers still in progress at the drain timeout were cut off',
          );
        }
        // Every answer has been sent, so every refund is pending: stopping Apollo writes them
        // (the plugin's serverWillStop), then closes Tollgate.
        await apollo.stop();
        await tollgate.close();
      })();
      return stopped;
    },
  };
}

/** The offline landing page's example operation, priced as this server prices it. */
function landingPageExample(tollgate: Tollgate) {
  const { schema } = tollgate.apolloConfig;
  const costModel = createCostModel(schema, { defaultListSize: tollgate.config.cost.defaultListSize });
  return priceSandboxExample(schema, costModel, SANDBOX_STARTER_DOCUMENT);
}
