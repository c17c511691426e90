import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseTrustedProxies, type TrustedProxies } from './identity/client-address.js';
import { parseDurationMs } from './limiter/duration.js';
import { DEFAULT_LIMITS, type InputLimits } from './limits/limits.js';

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
  /** The folder of SDL files (`TOLLGATE_SCHEMA_DIR`). Default `schema/` of this project. */
  schemaDir: string;
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
  };
}

/** Pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration value that cannot be used; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The defaults: Shopify-like buckets (1,000 points restored at 50/s for keys). */
export const DEFAULT_TIERS: Readonly<Record<TierName, TierConfig>> = {
  anonymous: { capacity: 500, refillPerSec: 25, maxCost: 500 },
  free: { capacity: 1000, refillPerSec: 50, maxCost: 1000 },
  pro: { capacity: 10_000, refillPerSec: 500, maxCost: 5000 },
};

type FileConfig = {
  cost?: Partial<TollgateConfig['cost']>;
  tiers?: Partial<Record<TierName, Partial<TierConfig>>>;
  production?: boolean;
  redis?: { clusterNodes?: string[]; failurePolicy?: string; timeoutMs?: number };
  explorer?: Partial<TollgateConfig['explorer']>;
  limits?: Partial<InputLimits>;
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
    schemaDir: env.TOLLGATE_SCHEMA_DIR ?? new URL('../schema/', import.meta.url).pathname,
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
    identity: readIdentity(env),
  };
}

/** The environment variable of each input limit. */
export const LIMIT_VARIABLES: Readonly<Record<keyof InputLimits, string>> = {
  maxBodyBytes: 'TOLLGATE_MAX_BODY_BYTES',
  maxDocumentBytes: 'TOLLGATE_MAX_DOCUMENT_BYTES',
  maxTokens: 'TOLLGATE_MAX_TOKENS',
  maxDepth: 'TOLLGATE_MAX_DEPTH',
  maxAliases: 'TOLLGATE_MAX_ALIASES',
  maxDirectivesPerField: 'TOLLGATE_MAX_DIRECTIVES_PER_FIELD',
  maxBatchOperations: 'TOLLGATE_MAX_BATCH_OPERATIONS',
  maxVariablesBytes: 'TOLLGATE_MAX_VARIABLES_BYTES',
  maxVariablesDepth: 'TOLLGATE_MAX_VARIABLES_DEPTH',
};

function readLimits(file: FileConfig, env: NodeJS.ProcessEnv): InputLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_VARIABLES) as Array<keyof InputLimits>) {
    const name = LIMIT_VARIABLES[key];
    // Depth bounds the nesting graphql-js's recursive parser and validation get to see (src/limits).
    const max = key === 'maxDepth' ? 100 : undefined;
    limits[key] = integer(name, env[name] ?? file.limits?.[key] ?? DEFAULT_LIMITS[key], { min: 1, max });
  }
  return limits;
}

function readRedis(
  file: FileConfig,
  env: NodeJS.ProcessEnv,
): Pick<TollgateConfig, 'redisClusterNodes' | 'redis'> {
  const rawNodes = env.REDIS_CLUSTER_NODES ?? file.redis?.clusterNodes?.join(',') ?? '';
  const redisClusterNodes = rawNodes.trim() === '' ? null : rawNodes.split(',').map(clusterNode);
  if (redisClusterNodes && env.REDIS_URL) {
    throw new ConfigError('REDIS_URL and REDIS_CLUSTER_NODES are both set: give one of them');
  }
  const failurePolicy = env.TOLLGATE_FAILURE_POLICY ?? file.redis?.failurePolicy ?? 'open';
  return {
    redisClusterNodes,
    redis: {
      failurePolicy: oneOf('TOLLGATE_FAILURE_POLICY', failurePolicy, ['open', 'closed']),
      timeoutMs: integer(
        'TOLLGATE_REDIS_TIMEOUT_MS',
        env.TOLLGATE_REDIS_TIMEOUT_MS ?? file.redis?.timeoutMs ?? 100,
        { min: 1, max: 60_000 },
      ),
    },
  };
}

function clusterNode(raw: string): { host: string; port: number } {
  const match = /^\s*\[?([^\]\s]+?)\]?:(\d+)\s*$/.exec(raw);
  if (!match) throw new ConfigError(`REDIS_CLUSTER_NODES must be host:port,…, got ${JSON.stringify(raw)}`);
  return {
    host: match[1] as string,
    port: integer('REDIS_CLUSTER_NODES', match[2], { min: 1, max: 65_535 }),
  };
}

// Outside production a developer opens the endpoint in a browser and explores; in production
// the operator opts in, since introspection hands the whole schema to anyone who asks.
function readExplorer(
  file: FileConfig,
  env: NodeJS.ProcessEnv,
): Pick<TollgateConfig, 'production' | 'explorer'> {
  const production =
    env.NODE_ENV === 'production' ||
    flag('TOLLGATE_PRODUCTION', env.TOLLGATE_PRODUCTION ?? file.production ?? false);
  return {
    production,
    explorer: {
      landingPage: flag(
        'TOLLGATE_LANDING_PAGE',
        env.TOLLGATE_LANDING_PAGE ?? file.explorer?.landingPage ?? !production,
      ),
      introspection: flag(
        'TOLLGATE_INTROSPECTION',
        env.TOLLGATE_INTROSPECTION ?? file.explorer?.introspection ?? !production,
      ),
    },
  };
}

function flag(name: string, raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const value = String(raw).trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

// A short secret could be found by trying them all against a known IP's reference.
function logClientSecret(raw: string | undefined): string | null {
  if (!raw) return null;
  if (raw.length < 16) {
    throw new ConfigError(`TOLLGATE_LOG_CLIENT_SECRET must be at least 16 characters, got ${raw.length}`);
  }
  return raw;
}

function readTier(tier: TierName, file: FileConfig, env: NodeJS.ProcessEnv): TierConfig {
  const fromFile = file.tiers?.[tier] ?? {};
  const prefix = `TOLLGATE_TIER_${tier.toUpperCase()}`;
  const capacity = positive(
    `${prefix}_CAPACITY`,
    env[`${prefix}_CAPACITY`] ?? fromFile.capacity ?? DEFAULT_TIERS[tier].capacity,
  );
  const refillPerSec = positive(
    `${prefix}_REFILL_PER_SEC`,
    env[`${prefix}_REFILL_PER_SEC`] ?? fromFile.refillPerSec ?? DEFAULT_TIERS[tier].refillPerSec,
  );
  const maxCost = positive(
    `${prefix}_MAX_COST`,
    env[`${prefix}_MAX_COST`] ?? fromFile.maxCost ?? DEFAULT_TIERS[tier].maxCost,
  );
  // Points are counted in thousandths by the store: finer values would be rounded away.
  if (Math.abs(refillPerSec * 1000 - Math.round(refillPerSec * 1000)) > 1e-6) {
    throw new ConfigError(`${prefix}_REFILL_PER_SEC must have at most 3 decimals, got ${refillPerSec}`);
  }
  return { capacity, refillPerSec, maxCost: Math.min(maxCost, capacity) };
}

function readConfigFile(path: string): FileConfig {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as FileConfig;
  } catch (error) {
    throw new ConfigError(`TOLLGATE_CONFIG (${path}) could not be read as JSON: ${(error as Error).message}`);
  }
}

function number(name: string, raw: unknown): number {
  const value =
    typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

function positive(name: string, raw: unknown): number {
  const value = number(name, raw);
  if (value <= 0) throw new ConfigError(`${name} must be greater than 0, got ${value}`);
  return value;
}

function integer(name: string, raw: unknown, range: { min?: number; max?: number } = {}): number {
  const value = number(name, raw);
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

function readIdentity(env: NodeJS.ProcessEnv): TollgateConfig['identity'] {
  const trustedProxies = parseTrustedProxies(env.TOLLGATE_TRUST_PROXY);
  if (typeof trustedProxies === 'string') throw new ConfigError(`TOLLGATE_TRUST_PROXY: ${trustedProxies}`);
  const window = env.TOLLGATE_AUTH_FAILURES_WINDOW ?? '15m';
  const authFailuresWindowMs = parseDurationMs(window);
  if (authFailuresWindowMs === null) {
    throw new ConfigError(
      `TOLLGATE_AUTH_FAILURES_WINDOW must be a duration such as "15m", got ${JSON.stringify(window)}`,
    );
  }
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return {
    trustedProxies,
    ipv6PrefixLength: integer('TOLLGATE_IPV6_PREFIX', env.TOLLGATE_IPV6_PREFIX ?? 64, { min: 1, max: 128 }),
    maxAuthFailures: integer('TOLLGATE_AUTH_FAILURES_MAX', env.TOLLGATE_AUTH_FAILURES_MAX ?? 10, { min: 1 }),
    authFailuresWindowMs,
    keyCacheMs: integer('TOLLGATE_KEY_CACHE_MS', env.TOLLGATE_KEY_CACHE_MS ?? 500, { min: 0, max: 60_000 }),
    keysFile: env.TOLLGATE_KEYS_FILE || join(dataHome, 'tollgate', 'keys.json'),
  };
}
