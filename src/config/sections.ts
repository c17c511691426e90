import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseTrustedProxies } from '../identity/client-address.js';
import { parseDurationMs } from '../limiter/duration.js';
import { DEFAULT_LIMITS, type InputLimits } from '../limits/limits.js';
import type { FileConfig, TierConfig, TierName, TollgateConfig } from './index.js';
import { ConfigError, corsOrigins, flag, headerName, integer, oneOf, positive } from './values.js';

/** The defaults: Shopify-like buckets (1,000 points restored at 50/s for keys). */
export const DEFAULT_TIERS: Readonly<Record<TierName, TierConfig>> = {
  anonymous: { capacity: 500, refillPerSec: 25, maxCost: 500 },
  free: { capacity: 1000, refillPerSec: 50, maxCost: 1000 },
  pro: { capacity: 10_000, refillPerSec: 500, maxCost: 5000 },
};

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

export function readLimits(file: FileConfig, env: NodeJS.ProcessEnv): InputLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_VARIABLES) as Array<keyof InputLimits>) {
    const name = LIMIT_VARIABLES[key];
    // Depth bounds the nesting graphql-js's recursive parser and validation get to see (src/limits).
    const max = key === 'maxDepth' ? 100 : undefined;
    limits[key] = integer(name, env[name] ?? file.limits?.[key] ?? DEFAULT_LIMITS[key], { min: 1, max });
  }
  return limits;
}

export function readRedis(
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
export function readExplorer(
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

// A short secret could be found by trying them all against a known IP's reference.
export function logClientSecret(raw: string | undefined): string | null {
  if (!raw) return null;
  if (raw.length < 16) {
    throw new ConfigError(`TOLLGATE_LOG_CLIENT_SECRET must be at least 16 characters, got ${raw.length}`);
  }
  return raw;
}

export function readTier(tier: TierName, file: FileConfig, env: NodeJS.ProcessEnv): TierConfig {
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

export function readIdentity(file: FileConfig, env: NodeJS.ProcessEnv): TollgateConfig['identity'] {
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
    apiKeyHeader: headerName(
      'TOLLGATE_API_KEY_HEADER',
      env.TOLLGATE_API_KEY_HEADER ?? file.identity?.apiKeyHeader ?? 'x-api-key',
    ),
    bearerApiKeys: flag(
      'TOLLGATE_API_KEY_BEARER',
      env.TOLLGATE_API_KEY_BEARER ?? file.identity?.bearerApiKeys ?? true,
    ),
  };
}

export function readCors(file: FileConfig, env: NodeJS.ProcessEnv): TollgateConfig['cors'] {
  const raw = env.TOLLGATE_CORS_ORIGINS?.split(',') ?? file.cors?.origins ?? [];
  return { origins: corsOrigins('TOLLGATE_CORS_ORIGINS', raw) };
}
