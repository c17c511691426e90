/**
 * Tollgate's public entry: everything an app needs to price and rate-limit its GraphQL API, and
 * nothing of the bookstore demo. Anything not exported here is internal and may change.
 *
 * Two ways in: embed Tollgate in your own Apollo Server ({@link createTollgate}, then
 * `tollgate.apolloConfig` and `tollgate.context`), or run Tollgate's whole server around your SDL
 * and resolvers ({@link serve}). Beside them: configuration (`loadConfig`), API keys
 * (`createApiKey`), the CORS headers an app exposes, and the types these take and give.
 */

export {
  ConfigError,
  type LogLevel,
  loadConfig,
  TIER_NAMES,
  type TierConfig,
  type TierName,
  type TollgateConfig,
  type TollgateSettings,
} from './config/index.js';
export type { ClientConnection, FieldAdmission, RateLimitStatus, TollgateContext } from './context.js';
export type { RateLimitRule } from './directives/rate-limit.js';
export { RATE_LIMIT_EXPOSED_HEADERS } from './http/cors.js';
export { createApiKey } from './identity/api-keys.js';
export type { ProxyHeader, TrustedProxies } from './identity/client-address.js';
export type { ClientIdentity } from './identity/client-identity.js';
export type { ClientHint, IdentifyClient } from './identity/identify.js';
export type { ApiKeyRecord, KeyStore } from './identity/key-store.js';
export type { LimiterStore } from './limiter/store.js';
export type { InputLimits } from './limits/limits.js';
export type { Logger } from './logger.js';
export type { AppSchemaOptions } from './schema/build-schema.js';
export { tollgateTypeDefs } from './schema/product-sdl.js';
export { SchemaError, type TypeDefs } from './schema/type-defs.js';
export {
  type AppContext,
  createTollgateServer,
  type TollgateServer,
  type TollgateServerOptions,
} from './serve/create-server.js';
export { type ServedTollgate, type ServeOptions, serve } from './serve/serve.js';
export {
  createTollgate,
  type Tollgate,
  type TollgateApolloConfig,
  type TollgateOptions,
} from './tollgate.js';
