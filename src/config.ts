import { readFileSync } from 'node:fs';

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
}

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
  };
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
  if (!Number.isInteger(refillPerSec * 1000)) {
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
