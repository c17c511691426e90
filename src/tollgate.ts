import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin, CSRFPreventionOptions } from '@apollo/server';
import type {
  FormattedExecutionResult,
  GraphQLFormattedError,
  GraphQLSchema,
  ParseOptions,
  ValidationRule,
} from 'graphql';
import type { Registry } from 'prom-client';
import { loadConfig, type TollgateConfig } from './config/index.js';
import type { TollgateContext } from './context.js';
import { createIdentity } from './identity/create-identity.js';
import type { IdentifyClient } from './identity/identify.js';
import type { KeyStore } from './identity/key-store.js';
import { createLimiterStore } from './limiter/create-store.js';
import type { LimiterStore } from './limiter/store.js';
import { documentLimitRules } from './limits/document-limits.js';
import { formatLimitError } from './limits/format-limit-error.js';
import { defaultLogger, type Logger } from './logger.js';
import { createObservers, storeHooks } from './observe/observers.js';
import { FieldGrants } from './plugin/field-grants.js';
import { stringifyResult } from './plugin/result-json.js';
import { createTollgatePlugin } from './plugin/tollgate-plugin.js';
import { type AppSchemaOptions, buildTollgateSchema } from './schema/build-schema.js';
import { createLoadShedder } from './shed/load-shedder.js';

/** Options of {@link createTollgate}: the app's schema, and how Tollgate runs beside it. */
export interface TollgateOptions extends AppSchemaOptions {
  /**
   * The configuration. Default `loadConfig()`: `TOLLGATE_*` environment variables and the
   * `TOLLGATE_CONFIG` file. Give settings in code with `loadConfig(process.env, { tiers: … })`.
   */
  config?: TollgateConfig;
  /**
   * Keys buckets by the app's own identity (its user or tenant) and picks the tier. Asked first
   * on every request; `undefined` falls back to a Tollgate API key, then the client address.
   */
  identifyClient?: IdentifyClient;
  /** Where Tollgate logs (pino). Default JSON lines on stdout at `config.log.level`. */
  logger?: Logger;
}

/**
 * What `new ApolloServer({ ...tollgate.apolloConfig })` needs: the schema, the plugin, and the
 * input limits that live inside Apollo (token limit, depth/alias/directive rules, their codes).
 * Add your own plugins and rules after Tollgate's.
 */
export interface TollgateApolloConfig {
  schema: GraphQLSchema;
  plugins: ApolloServerPlugin<TollgateContext>[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  introspection: boolean;
  /** Apollo's CSRF prevention, on, with the API key header counted as one that forces a preflight. */
  csrfPrevention: CSRFPreventionOptions;
  /**
   * Writes each answer as Apollo's default does, byte for byte, with `extensions.cost` from a
   * template (`JSON.stringify` is slow on it). Your own `stringifyResult`, if you set one after
   * the spread, replaces it and loses nothing but that speed.
   */
  stringifyResult: (result: FormattedExecutionResult) => string;
}

/** The headers Apollo's CSRF prevention accepts by default (its `recommendedCsrfPreventionRequestHeaders`). */
const APOLLO_CSRF_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'] as const;

/**
 * Apollo refuses a request a page of another site could send without a CORS preflight (a GET, or
 * a POST with a "simple" content type) unless it carries one of these headers. A custom header
 * such as the API key header cannot be sent cross-site without a preflight, so a request carrying
 * it is no forgery: a GET with a key (urql's default) is served, and a bad key meets identity
 * (401) instead of the CSRF refusal. `Authorization` is not added: a browser can attach it by
 * itself (HTTP authentication), which is what CSRF feeds on.
 */
function csrfPreventionFor(apiKeyHeader: string | null): CSRFPreventionOptions {
  return { requestHeaders: [...APOLLO_CSRF_HEADERS, ...(apiKeyHeader ? [apiKeyHeader] : [])] };
}

/** Tollgate built for one API: see {@link createTollgate}. */
export interface Tollgate {
  /** Spread into `new ApolloServer(…)`. */
  readonly apolloConfig: TollgateApolloConfig;
  /**
   * The per-request context Tollgate needs (who is calling, the `@rateLimit` grants). Call it from
   * your integration's `context` function and spread the result into your own context. It throws
   * the coded error that answers the request (401 for a bad key, 429 for repeated bad keys, 503
   * SERVER_OVERLOADED for a tier shed while the process is saturated).
   */
  context(request: IncomingMessage): Promise<TollgateContext>;
  readonly config: TollgateConfig;
  readonly logger: Logger;
  /** Where buckets and windows live. */
  readonly store: LimiterStore;
  /** Where API keys live (`createApiKey(tollgate.keyStore, …)`). */
  readonly keyStore: KeyStore;
  /** Prometheus metrics of this Tollgate; serve `registry.metrics()` at your `/metrics`. */
  readonly registry: Registry;
  /**
   * Closes the store and the key store. Runs by itself when the ApolloServer using
   * `apolloConfig` stops (after pending refunds are written); call it only if it never started.
   */
  close(): Promise<void>;
}

/**
 * Builds Tollgate for an app: its schema with Tollgate's directives and `rateLimit` field, the
 * limiter store the configuration names (Redis behind the failure policy, or memory), identity,
 * metrics, and the Apollo plugin that prices, charges and refunds each operation.
 *
 * @example
 * const tollgate = await createTollgate({ typeDefs, resolvers });
 * const server = new ApolloServer({ ...tollgate.apolloConfig });
 * await startStandaloneServer(server, { context: ({ req }) => tollgate.context(req) });
 */
export async function createTollgate(options: TollgateOptions): Promise<Tollgate> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? defaultLogger(config);
  // The schema first: a mistake in it is the likeliest start-up failure, and costs no connection.
  const schema = buildTollgateSchema({
    typeDefs: options.typeDefs,
    resolvers: options.resolvers,
    defaultListSize: config.cost.defaultListSize,
  });
  const observers = createObservers({
    logger,
    coordinates: schema.rateLimitRules.keys(),
    clientRefSecret: config.log.clientRefSecret,
    loadShedding: config.shedding.enabled,
  });
  const store = await createLimiterStore({ config, logger, ...storeHooks(observers.events) });
  const identity = await createIdentity({
    config,
    store,
    logger,
    events: observers.events,
    ...(options.identifyClient ? { identifyClient: options.identifyClient } : {}),
  }).catch(async (error: unknown) => {
    // Nothing is left open by a start that failed half-way: an app may catch it and go on.
    await store.close();
    throw error;
  });

  // Off, it costs nothing: no timer, no counting plugin, no check on the request path.
  const shedder = config.shedding.enabled
    ? createLoadShedder({ thresholds: config.shedding, events: observers.events })
    : undefined;
  let closed: Promise<void> | undefined;
  const close = () => {
    shedder?.close();
    closed ??= identity.close().then(() => store.close());
    return closed;
  };
  const plugin = createTollgatePlugin({
    store,
    costModel: schema.costModel,
    rateLimitRules: schema.rateLimitRules,
    tiers: config.tiers,
    concurrencyLeaseMs: config.concurrencyLeaseMs,
    mode: config.cost.mode,
    logger,
    events: observers.events,
    onServerStop: close,
  });

  return {
    apolloConfig: {
      schema: schema.schema,
      plugins: shedder ? [plugin, shedder.plugin] : [plugin],
      // The parser stops at maxTokens and the rules refuse depth, aliases and directives before
      // the plugin prices anything; formatError gives clients each limit's own code.
      parseOptions: { maxTokens: config.limits.maxTokens },
      validationRules: documentLimitRules(config.limits),
      formatError: formatLimitError,
      // Set explicitly so the operator's setting wins over Apollo's NODE_ENV default.
      introspection: config.explorer.introspection,
      csrfPrevention: csrfPreventionFor(config.identity.apiKeyHeader),
      stringifyResult,
    },
    async context(request) {
      // First of all: a bad key is answered (401) before anything is parsed or priced.
      const client = await identity.identify(request);
      // Then, while the process is saturated, the lowest tiers are shed (503): nothing is parsed yet.
      const overloaded = shedder?.refusal(client);
      if (overloaded) throw overloaded;
      // Until the plugin charges the operation, every @rateLimit call would ask the store itself.
      // The socket, watched only while an operation waits its turn: a client that leaves gets its charge back.
      return { client, fieldAdmission: new FieldGrants(client.id, store), connection: request.socket };
    },
    config,
    logger,
    store,
    keyStore: identity.keyStore,
    registry: observers.registry,
    close,
  };
}
