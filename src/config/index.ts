import { readFileSync } from 'node:fs';
import type { ProxyHeader, TrustedProxies } from '../identity/client-address.js';
import type { InputLimits } from '../limits/limits.js';
import {
  type AnySetting,
  type DefaultContext,
  isSetting,
  type SettingsOf,
  type SettingsTree,
  settingsIn,
  type ValuesOf,
} from './declaration.js';
import { OTHER_VARIABLES, SETTINGS } from './settings.js';
import { settingsProblem, variablesProblem } from './strict.js';
import { InvalidValue } from './values.js';

/** A configuration that cannot be used: the one-line message names the value and where it came from. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Settings given in code by an app that embeds Tollgate, and the shape of the JSON file named by
 * `TOLLGATE_CONFIG`: every setting of the environment, in sections, each optional. Each
 * setting's variable and default are documented on it.
 */
export type TollgateSettings = SettingsOf<typeof SETTINGS>;

/** A tier name. `anonymous` is every client without an API key. */
export type TierName = keyof typeof SETTINGS.tiers;
/** The client tiers buckets are sized by. */
export const TIER_NAMES = Object.keys(SETTINGS.tiers) as readonly TierName[];

/** One tier's token bucket (see {@link TollgateSettings} `tiers`). */
export interface TierConfig {
  /** Bucket capacity in points (the most a client can spend at once). */
  capacity: number;
  /** Points restored per second, continuously. */
  refillPerSec: number;
  /** The dearest single operation allowed, in points; never above `capacity`. */
  maxCost: number;
  /** How long an operation may wait for the bucket instead of being refused, in ms. Default 0: no waiting. */
  maxWaitMs?: number;
  /** Operations of one client in flight at once, across processes. Default 0: no limit. */
  maxConcurrent?: number;
}

/** A log level: Pino's, and `silent`. */
export type LogLevel = ValuesOf<typeof SETTINGS.log.level>;

/**
 * Tollgate's configuration, read and validated once at start-up by {@link loadConfig}. Each
 * field's environment variable, place in the file and default are documented on
 * {@link TollgateSettings}.
 */
export interface TollgateConfig {
  port: number;
  /** `undefined`: all interfaces. */
  host: string | undefined;
  /** `null` runs on the in-memory store (unless on a Cluster). */
  redisUrl: string | null;
  /** `null` when not on a Redis Cluster. */
  redisClusterNodes: Array<{ host: string; port: number }> | null;
  redis: { failurePolicy: 'open' | 'closed'; timeoutMs: number };
  cost: { mode: 'enforce' | 'measure'; defaultListSize: number };
  tiers: Record<TierName, TierConfig>;
  /** `TOLLGATE_PRODUCTION` or `NODE_ENV=production`. */
  production: boolean;
  explorer: { landingPage: boolean; introspection: boolean };
  log: {
    level: LogLevel;
    /** `null`: a random secret per process. */
    clientRefSecret: string | null;
  };
  limits: InputLimits;
  drainGraceMs: number;
  drainTimeoutMs: number;
  /** The longest a concurrency slot is held, in ms, counted from when its operation may run. */
  concurrencyLeaseMs: number;
  identity: {
    trustedProxies: TrustedProxies;
    proxyHeader: ProxyHeader;
    ipv6PrefixLength: number;
    maxAuthFailures: number;
    authFailuresWindowMs: number;
    keyCacheMs: number;
    keyMaxStalenessMs: number;
    keysFile: string;
    /** Lower case; `null`: no header carries keys. */
    apiKeyHeader: string | null;
    bearerApiKeys: boolean;
  };
  cors: {
    /** `['*']`, or origins in lower case; empty: CORS off. */
    origins: readonly string[];
  };
  shedding: {
    enabled: boolean;
    /** 0: not watched. */
    eventLoopDelayMs: number;
    /** 0: not watched. */
    maxInFlight: number;
    coolDownMs: number;
  };
}

/** The default of every tier's bucket. */
export const DEFAULT_TIERS: Readonly<Record<TierName, TierConfig>> = defaultsOf(SETTINGS.tiers);

/** The environment variable of each input limit. */
export const LIMIT_VARIABLES: Readonly<Record<keyof InputLimits, string>> = variablesOf(SETTINGS.limits);

const FILE = 'TOLLGATE_CONFIG';
const IN_CODE = 'the settings given to loadConfig';

/**
 * Reads the configuration. Precedence: defaults < `settings` (given in code) < the JSON file named
 * by `TOLLGATE_CONFIG` < environment variables. Unknown settings and `TOLLGATE_` variables stop
 * it like bad values do: throws {@link ConfigError} naming the first problem. `settings` is not
 * modified.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  settings: TollgateSettings = {},
): TollgateConfig {
  const known = [...settingsIn(SETTINGS).map(({ setting }) => setting.env), ...OTHER_VARIABLES];
  const file: unknown = env[FILE] ? readConfigFile(env[FILE]) : {};
  const problem =
    variablesProblem(env, known) ??
    settingsProblem(settings, SETTINGS, IN_CODE) ??
    settingsProblem(file, SETTINGS, FILE);
  if (problem) throw new ConfigError(problem);
  const layers: Layer[] = [
    { source: FILE, values: file },
    { source: IN_CODE, values: settings },
  ];
  const read = <S extends SettingsTree | AnySetting>(node: S, path: string, context: DefaultContext) =>
    resolve(node, path, env, layers, context);
  const production =
    env.NODE_ENV === 'production' || read(SETTINGS.production, 'production', { env, production: false });
  const values = read(SETTINGS, '', { env, production });
  return toConfig({ ...values, production });
}

/** The resolved settings in the shape the rest of Tollgate reads. */
function toConfig(values: ValuesOf<typeof SETTINGS>): TollgateConfig {
  const { redis, identity, tiers } = values;
  if (redis.url && redis.clusterNodes) {
    throw new ConfigError(
      'REDIS_URL and REDIS_CLUSTER_NODES (redis.url, redis.clusterNodes) are both set: give one of them',
    );
  }
  const { authFailuresWindow, ...rest } = identity;
  return {
    port: values.port,
    host: values.host ?? undefined,
    redisUrl: redis.url,
    redisClusterNodes: redis.clusterNodes,
    redis: { failurePolicy: redis.failurePolicy, timeoutMs: redis.timeoutMs },
    cost: { ...values.cost },
    tiers: mapTiers((tier) => ({
      ...tiers[tier],
      maxCost: Math.min(tiers[tier].maxCost, tiers[tier].capacity),
    })),
    production: values.production,
    explorer: { ...values.explorer },
    log: { ...values.log },
    limits: { ...values.limits },
    drainGraceMs: values.drainGraceMs,
    drainTimeoutMs: values.drainTimeoutMs,
    concurrencyLeaseMs: values.concurrencyLeaseMs,
    identity: { ...rest, authFailuresWindowMs: authFailuresWindow },
    cors: { ...values.cors },
    shedding: sheddingConfig(values.shedding),
  };
}

function sheddingConfig(shedding: ValuesOf<typeof SETTINGS.shedding>): TollgateConfig['shedding'] {
  if (shedding.enabled && shedding.eventLoopDelayMs === 0 && shedding.maxInFlight === 0) {
    throw new ConfigError(
      'TOLLGATE_SHED is on but watches nothing: set TOLLGATE_SHED_EVENT_LOOP_DELAY_MS or TOLLGATE_SHED_MAX_IN_FLIGHT (shedding.eventLoopDelayMs, shedding.maxInFlight) above 0',
    );
  }
  return { ...shedding };
}

interface Layer {
  readonly source: string;
  readonly values: unknown;
}

/** The value of a setting, or of every setting of a section, from the first layer that has it. */
function resolve<S extends SettingsTree | AnySetting>(
  node: S,
  path: string,
  env: NodeJS.ProcessEnv,
  layers: readonly Layer[],
  context: DefaultContext,
): ValuesOf<S> {
  if (!isSetting(node)) {
    const section = Object.entries(node).map(([name, inner]) => [
      name,
      resolve(inner, path ? `${path}.${name}` : name, env, layers, context),
    ]);
    return Object.fromEntries(section) as ValuesOf<S>;
  }
  const text = env[node.env];
  if (text !== undefined && !(node.emptyIsUnset && text.trim() === '')) {
    return parse(node, text, node.env) as ValuesOf<S>;
  }
  for (const layer of layers) {
    const value = valueAt(layer.values, path);
    if (value !== undefined) return parse(node, value, `"${path}" in ${layer.source}`) as ValuesOf<S>;
  }
  const fallback = node.default;
  return (typeof fallback === 'function' ? fallback(context) : fallback) as ValuesOf<S>;
}

function parse(setting: AnySetting, raw: unknown, where: string): unknown {
  try {
    return setting.parse(raw);
  } catch (error) {
    if (error instanceof InvalidValue) throw new ConfigError(`${where} ${error.message}`);
    throw error;
  }
}

function valueAt(values: unknown, path: string): unknown {
  let value = values;
  for (const name of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function readConfigFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    throw new ConfigError(`${FILE} (${path}) could not be read as JSON: ${reason}`);
  }
}

function mapTiers<T>(each: (tier: TierName) => T): Record<TierName, T> {
  return Object.fromEntries(TIER_NAMES.map((tier) => [tier, each(tier)])) as Record<TierName, T>;
}

function defaultsOf<S extends SettingsTree>(tree: S): ValuesOf<S> {
  return resolve(tree, '', {}, [], { env: {}, production: false });
}

function variablesOf<S extends SettingsTree>(tree: S): { [K in keyof S]: string } {
  const entries = Object.entries(tree).map(([name, node]) => [name, isSetting(node) ? node.env : undefined]);
  return Object.fromEntries(entries) as { [K in keyof S]: string };
}
