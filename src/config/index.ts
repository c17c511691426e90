import { readFileSync } from 'node:fs';
import type { TrustedProxies } from '../identity/client-address.js';
import type { InputLimits } from '../limits/limits.js';
import {
  DEFAULT_TIERS,
  LIMIT_VARIABLES,
  logClientSecret,
  readCors,
  readExplorer,
  readIdentity,
  readLimits,
  readRedis,
  readTier,
} from './sections.js';
import { ConfigError, integer, oneOf } from './values.js';

export { ConfigError, DEFAULT_TIERS, LIMIT_VARIABLES };

/** The client tiers buckets are sized by. `anonymous` is every client without an API key. */
export const TIER_NAMES = ['anonymous', 'free', 'pro'] as const;
/** A tier name. */
export type TierName = (typeof TIER_NAMES)[number];

/** One tier's token bucket. */
export interface TierConfig {
  /** Bucket capacity in points (the most a client can spend at once). */
  capacity: number;
  /** Points restored per second, continuously. */
  refillPerSec: number;
  /** The dearest single operation allowed, in points; never above `capacity`. */
  maxCost: number;
}

/** Tollgate's configuration, read and validated once at start-up. */
export interface TollgateConfig {
  /** HTTP port (`PORT`). Default 4000. */
  port: number;
  /** Interface to listen on (`HOST`). Default all. */
  host: string | undefined;
  /** Redis URL (`REDIS_URL`); `null` runs on the in-memory store. */
  redisUrl: string | null;
  /** Redis Cluster start-up nodes (`REDIS_CLUSTER_NODES=host:port,…`); `null` when not on a Cluster. */
  redisClusterNodes: Array<{ host: string; port: number }> | null;
  /** How the limiter talks to Redis, and what it does when Redis cannot answer. */
  redis: {
    /** `open` (default) limits per process while Redis is out; `closed` answers 503 (`TOLLGATE_FAILURE_POLICY`). */
    failurePolicy: 'open' | 'closed';
    /** Deadline of every Redis call, in ms (`TOLLGATE_REDIS_TIMEOUT_MS`). Default 100. */
    timeoutMs: number;
  };
  cost: {
    /** `enforce` rejects over-budget operations; `measure` only reports and logs (`TOLLGATE_COST_MODE`). */
    mode: 'enforce' | 'measure';
    /** List size when a list has neither a slicing argument nor `assumedSize` (`TOLLGATE_DEFAULT_LIST_SIZE`). Default 10. */
    defaultListSize: number;
  };
  /** Buckets per tier (`TOLLGATE_TIER_<TIER>_CAPACITY`, `_REFILL_PER_SEC`, `_MAX_COST`). */
  tiers: Record<TierName, TierConfig>;
  /** Production mode (`NODE_ENV=production` or `TOLLGATE_PRODUCTION=true`): explorer features default off. */
  production: boolean;
  /** What developers exploring the API get. */
  explorer: {
    /** Apollo Sandbox on `GET /graphql` for browsers (`TOLLGATE_LANDING_PAGE`). Default on, off in production. */
    landingPage: boolean;
    /** Schema introspection (`TOLLGATE_INTROSPECTION`). Default on, off in production. */
    introspection: boolean;
  };
  /** Logging. */
  log: {
    /** Minimum level (`LOG_LEVEL`): fatal, error, warn, info, debug, trace or silent. Default `info`. */
    level: LogLevel;
    /**
     * Secret of the client references in log lines, an HMAC key (`TOLLGATE_LOG_CLIENT_SECRET`).
     * Set it to the same value on every instance so that their references agree; `null` (the
     * default) uses a random secret per process.
     */
    clientRefSecret: string | null;
  };
  /** What one request may ask, checked before pricing (`TOLLGATE_MAX_…`; see {@link LIMIT_VARIABLES}). */
  limits: InputLimits;
  /**
   * On SIGTERM, how long the server keeps serving, every answer closing its connection, before it
   * stops listening and drains (`TOLLGATE_DRAIN_GRACE_MS`). Default 500. Keep-alive clients leave
   * gracefully instead of having a request cut off on a connection closed under them.
   */
  drainGraceMs: number;
  /** Who is calling: API keys and client addresses. */
  identity: {
    /** Proxies allowed to name the client (`TOLLGATE_TRUST_PROXY`: a hop count or CIDR list). Default none. */
    trustedProxies: TrustedProxies;
    /** IPv6 clients are keyed by this prefix length (`TOLLGATE_IPV6_PREFIX`). Default 64. */
    ipv6PrefixLength: number;
    /** Failed key attempts allowed per address (`TOLLGATE_AUTH_FAILURES_MAX`). Default 10. */
    maxAuthFailures: number;
    /** …in any window of this length (`TOLLGATE_AUTH_FAILURES_WINDOW`, e.g. "15m"). Default 15 minutes. */
    authFailuresWindowMs: number;
    /** How long a key record is believed before it is read again (`TOLLGATE_KEY_CACHE_MS`). Default 500. */
    keyCacheMs: number;
    /** Where keys are kept without Redis (`TOLLGATE_KEYS_FILE`). Default `~/.local/share/tollgate/keys.json`. */
    keysFile: string;
    /** The header carrying API keys, lower case (`TOLLGATE_API_KEY_HEADER`); `null`: none. Default `x-api-key`. */
    apiKeyHeader: string | null;
    /** Whether `Authorization: Bearer tg_…` is read as a Tollgate key (`TOLLGATE_API_KEY_BEARER`). Default true. */
    bearerApiKeys: boolean;
  };
  /** Cross-origin requests from browsers. */
  cors: {
    /** Allowed origins, lower case (`TOLLGATE_CORS_ORIGINS`): `*` alone, or `scheme://host[:port]` each. Default none: CORS off. */
    origins: readonly string[];
  };
}

/** Pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The JSON configuration file (`TOLLGATE_CONFIG`): the same settings as the environment. */
export type FileConfig = {
  cost?: Partial<TollgateConfig['cost']>;
  tiers?: Partial<Record<TierName, Partial<TierConfig>>>;
  production?: boolean;
  redis?: { clusterNodes?: string[]; failurePolicy?: string; timeoutMs?: number };
  explorer?: Partial<TollgateConfig['explorer']>;
  limits?: Partial<InputLimits>;
  identity?: { apiKeyHeader?: string | null; bearerApiKeys?: boolean };
  cors?: { origins?: string[] };
};

/**
 * Reads the configuration: defaults, then the JSON file named by `TOLLGATE_CONFIG`, then
 * environment variables. Throws {@link ConfigError} naming the first bad value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): TollgateConfig {
  const file = env.TOLLGATE_CONFIG ? readConfigFile(env.TOLLGATE_CONFIG) : {};
  const tiers = {} as Record<TierName, TierConfig>;
  for (const tier of TIER_NAMES) tiers[tier] = readTier(tier, file, env);
  return {
    port: integer('PORT', env.PORT ?? 4000, { min: 0, max: 65_535 }),
    host: env.HOST || undefined,
    redisUrl: env.REDIS_URL || null,
    ...readRedis(file, env),
    cost: {
      mode: oneOf('TOLLGATE_COST_MODE', env.TOLLGATE_COST_MODE ?? file.cost?.mode ?? 'enforce', [
        'enforce',
        'measure',
      ]),
      defaultListSize: integer(
        'TOLLGATE_DEFAULT_LIST_SIZE',
        env.TOLLGATE_DEFAULT_LIST_SIZE ?? file.cost?.defaultListSize ?? 10,
        { min: 0 },
      ),
    },
    tiers,
    ...readExplorer(file, env),
    log: {
      level: oneOf('LOG_LEVEL', env.LOG_LEVEL || 'info', LOG_LEVELS),
      clientRefSecret: logClientSecret(env.TOLLGATE_LOG_CLIENT_SECRET),
    },
    limits: readLimits(file, env),
    drainGraceMs: integer('TOLLGATE_DRAIN_GRACE_MS', env.TOLLGATE_DRAIN_GRACE_MS ?? 500, {
      min: 0,
      max: 60_000,
    }),
    identity: readIdentity(file, env),
    cors: readCors(file, env),
  };
}

function readConfigFile(path: string): FileConfig {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as FileConfig;
  } catch (error) {
    throw new ConfigError(`TOLLGATE_CONFIG (${path}) could not be read as JSON: ${(error as Error).message}`);
  }
}
