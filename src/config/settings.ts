import { homedir } from 'node:os';
import { join } from 'node:path';
import { PROXY_HEADERS, parseTrustedProxies } from '../identity/client-address.js';
import { parseDurationMs } from '../limiter/duration.js';
import { DEFAULT_LIMITS, type InputLimits } from '../limits/limits.js';
import {
  BOOLEAN,
  either,
  NUMBER,
  orNull,
  type Setting,
  type SettingsTree,
  STRING,
  STRINGS,
  setting,
} from './declaration.js';
import {
  clusterNodes,
  corsOrigins,
  describeValue,
  filePath,
  flag,
  headerName,
  InvalidValue,
  integer,
  list,
  oneOf,
  optionalText,
  positive,
  secret,
} from './values.js';

/** The deadline of one Redis call, in ms: the default of `redis.timeoutMs` and of the stores. */
export const DEFAULT_REDIS_TIMEOUT_MS = 100;

/** The header API keys are read from unless configured otherwise (`TOLLGATE_API_KEY_HEADER`). */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

/** Size of a list with neither a slicing argument nor `assumedSize`: the default of `cost.defaultListSize`. */
export const DEFAULT_LIST_SIZE = 10;

/** How long a concurrency slot is held at most, in ms: the default of `concurrencyLeaseMs`. */
export const DEFAULT_CONCURRENCY_LEASE_MS = 60_000;

/** Pino's levels, and `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The settings of one tier's token bucket; `NAME` is the tier in the variables' names. */
function tier(name: string, defaults: { capacity: number; refillPerSec: number; maxCost: number }) {
  const env = `TOLLGATE_TIER_${name}`;
  return {
    /** Bucket capacity in points, the most a client can spend at once (`TOLLGATE_TIER_<TIER>_CAPACITY`). */
    capacity: setting({ env: `${env}_CAPACITY`, json: NUMBER, default: defaults.capacity, parse: positive }),
    /** Points restored per second, continuously; at most 3 decimals (`TOLLGATE_TIER_<TIER>_REFILL_PER_SEC`). */
    refillPerSec: setting({
      env: `${env}_REFILL_PER_SEC`,
      json: NUMBER,
      default: defaults.refillPerSec,
      parse: refillPerSec,
    }),
    /** The dearest single operation, in points; never above `capacity` (`TOLLGATE_TIER_<TIER>_MAX_COST`). */
    maxCost: setting({ env: `${env}_MAX_COST`, json: NUMBER, default: defaults.maxCost, parse: positive }),
    /**
     * How long an operation the bucket cannot hold yet may wait for it instead of being refused, in
     * ms (`TOLLGATE_TIER_<TIER>_MAX_WAIT_MS`): the bucket goes into debt up to `refillPerSec` × this,
     * and the operation runs when refill has paid for it. Default 0: refused at once (429).
     */
    maxWaitMs: setting({
      env: `${env}_MAX_WAIT_MS`,
      json: NUMBER,
      default: 0,
      parse: (raw) => integer(raw, { min: 0, max: 60_000 }),
    }),
    /**
     * Operations of one client in flight at once, across every process; more are refused (429)
     * (`TOLLGATE_TIER_<TIER>_MAX_CONCURRENT`). Default 0: no limit.
     */
    maxConcurrent: setting({
      env: `${env}_MAX_CONCURRENT`,
      json: NUMBER,
      default: 0,
      parse: (raw) => integer(raw, { min: 0, max: 1_000_000 }),
    }),
  };
}

// Points are counted in thousandths by the store: finer values would be rounded away.
function refillPerSec(raw: string | number): number {
  const value = positive(raw);
  if (Math.abs(value * 1000 - Math.round(value * 1000)) > 1e-6) {
    throw new InvalidValue(`must have at most 3 decimals, got ${value}`);
  }
  return value;
}

/** The variable of each input limit; the limits themselves are documented on {@link InputLimits}. */
const LIMIT_ENV: Readonly<Record<keyof InputLimits, string>> = {
  maxBodyBytes: 'TOLLGATE_MAX_BODY_BYTES',
  maxDocumentBytes: 'TOLLGATE_MAX_DOCUMENT_BYTES',
  maxTokens: 'TOLLGATE_MAX_TOKENS',
  maxDepth: 'TOLLGATE_MAX_DEPTH',
  maxAliases: 'TOLLGATE_MAX_ALIASES',
  maxRepeatedSelections: 'TOLLGATE_MAX_REPEATED_SELECTIONS',
  maxDirectivesPerField: 'TOLLGATE_MAX_DIRECTIVES_PER_FIELD',
  maxBatchOperations: 'TOLLGATE_MAX_BATCH_OPERATIONS',
  maxVariablesBytes: 'TOLLGATE_MAX_VARIABLES_BYTES',
  maxVariablesDepth: 'TOLLGATE_MAX_VARIABLES_DEPTH',
};

function limits(): { readonly [K in keyof InputLimits]: Setting<number, number> } {
  const entries = (Object.keys(LIMIT_ENV) as Array<keyof InputLimits>).map((key) => {
    // Depth bounds the nesting graphql-js's recursive parser and validation get to see (src/limits).
    const max = key === 'maxDepth' ? 100 : undefined;
    const declared = setting({
      env: LIMIT_ENV[key],
      json: NUMBER,
      default: DEFAULT_LIMITS[key],
      parse: (raw: string | number) => integer(raw, { min: 1, max }),
    });
    return [key, declared] as const;
  });
  return Object.fromEntries(entries) as { [K in keyof InputLimits]: Setting<number, number> };
}

function trustedProxies(raw: string | number | readonly string[]) {
  const parsed = parseTrustedProxies(typeof raw === 'object' ? list(raw).join(',') : String(raw));
  if (typeof parsed === 'string')
    throw new InvalidValue(`must be a hop count or a list of addresses: ${parsed}`);
  return parsed;
}

function durationMs(raw: string): number {
  const ms = parseDurationMs(raw);
  if (ms === null) throw new InvalidValue(`must be a duration such as "15m", got ${describeValue(raw)}`);
  return ms;
}

/**
 * Every setting, once: its environment variable, its place in the JSON file (the path in this
 * tree), its default and its parser. Precedence: default < settings in code < file < environment.
 */
export const SETTINGS = {
  /** HTTP port (`PORT`). Default 4000. */
  port: setting({
    env: 'PORT',
    json: NUMBER,
    default: 4000,
    parse: (raw) => integer(raw, { min: 0, max: 65_535 }),
  }),
  /** Interface to listen on (`HOST`). Default all. */
  host: setting({ env: 'HOST', json: orNull(STRING), default: null, parse: optionalText }),
  /** Where limits and keys are kept; without `url` or `clusterNodes`, in memory and in `identity.keysFile`. */
  redis: {
    /** A single Redis, `redis://…` or `rediss://…` for TLS (`REDIS_URL`). Default none. */
    url: setting({ env: 'REDIS_URL', json: orNull(STRING), default: null, parse: optionalText }),
    /** Redis Cluster start-up nodes `host:port` (`REDIS_CLUSTER_NODES=host:port,…`); not with `url`. Default none. */
    clusterNodes: setting({ env: 'REDIS_CLUSTER_NODES', json: STRINGS, default: null, parse: clusterNodes }),
    /** When Redis cannot answer: `open` limits per process, `closed` answers 503 (`TOLLGATE_FAILURE_POLICY`). Default `open`. */
    failurePolicy: setting({
      env: 'TOLLGATE_FAILURE_POLICY',
      json: STRING,
      default: 'open',
      parse: (raw) => oneOf(raw, ['open', 'closed'] as const),
    }),
    /** Deadline of every Redis call, in ms (`TOLLGATE_REDIS_TIMEOUT_MS`). Default {@link DEFAULT_REDIS_TIMEOUT_MS}. */
    timeoutMs: setting({
      env: 'TOLLGATE_REDIS_TIMEOUT_MS',
      json: NUMBER,
      default: DEFAULT_REDIS_TIMEOUT_MS,
      parse: (raw) => integer(raw, { min: 1, max: 60_000 }),
    }),
  },
  /** How operations are priced. */
  cost: {
    /** `enforce` rejects over-budget operations; `measure` only reports and logs (`TOLLGATE_COST_MODE`). Default `enforce`. */
    mode: setting({
      env: 'TOLLGATE_COST_MODE',
      json: STRING,
      default: 'enforce',
      parse: (raw) => oneOf(raw, ['enforce', 'measure'] as const),
    }),
    /** Size of a list with neither a slicing argument nor `assumedSize` (`TOLLGATE_DEFAULT_LIST_SIZE`). Default {@link DEFAULT_LIST_SIZE}. */
    defaultListSize: setting({
      env: 'TOLLGATE_DEFAULT_LIST_SIZE',
      json: NUMBER,
      default: DEFAULT_LIST_SIZE,
      parse: (raw) => integer(raw, { min: 0 }),
    }),
  },
  /** Token buckets per tier: Shopify-like, 1,000 points restored at 50/s for a free key. */
  tiers: {
    /** Every client without an API key. */
    anonymous: tier('ANONYMOUS', { capacity: 500, refillPerSec: 25, maxCost: 500 }),
    free: tier('FREE', { capacity: 1000, refillPerSec: 50, maxCost: 1000 }),
    pro: tier('PRO', { capacity: 10_000, refillPerSec: 500, maxCost: 5000 }),
  },
  /** Production mode (`TOLLGATE_PRODUCTION`, or `NODE_ENV=production`): the explorer defaults off. Default off. */
  production: setting({ env: 'TOLLGATE_PRODUCTION', json: BOOLEAN, default: false, parse: flag }),
  // Outside production a developer opens the endpoint in a browser and explores; in production
  // the operator opts in, since introspection hands the whole schema to anyone who asks.
  /** What developers exploring the API get. */
  explorer: {
    /** Apollo Sandbox on `GET /graphql` for browsers (`TOLLGATE_LANDING_PAGE`). Default on, off in production. */
    landingPage: setting({
      env: 'TOLLGATE_LANDING_PAGE',
      json: BOOLEAN,
      default: ({ production }) => !production,
      parse: flag,
    }),
    /** Schema introspection (`TOLLGATE_INTROSPECTION`). Default on, off in production. */
    introspection: setting({
      env: 'TOLLGATE_INTROSPECTION',
      json: BOOLEAN,
      default: ({ production }) => !production,
      parse: flag,
    }),
  },
  /** Logging. */
  log: {
    /** Minimum level (`LOG_LEVEL`): fatal, error, warn, info, debug, trace or silent. Default `info`. */
    level: setting({
      env: 'LOG_LEVEL',
      json: STRING,
      default: 'info',
      emptyIsUnset: true,
      parse: (raw) => oneOf(raw, LOG_LEVELS),
    }),
    /**
     * HMAC key of the client references in log lines, 16 characters or more (`TOLLGATE_LOG_CLIENT_SECRET`).
     * Give every instance the same one so that their references agree. Default none: random per process.
     */
    clientRefSecret: setting({
      env: 'TOLLGATE_LOG_CLIENT_SECRET',
      json: orNull(STRING),
      default: null,
      parse: secret,
    }),
  },
  /** What one request may ask, checked before pricing (`TOLLGATE_MAX_…`). */
  limits: limits(),
  /**
   * On SIGTERM, how long the server keeps serving, every answer closing its connection, before it
   * stops listening and drains, in ms (`TOLLGATE_DRAIN_GRACE_MS`). Default 500. Keep-alive clients
   * leave gracefully instead of having a request cut off on a connection closed under them.
   */
  drainGraceMs: setting({
    env: 'TOLLGATE_DRAIN_GRACE_MS',
    json: NUMBER,
    default: 500,
    parse: (raw) => integer(raw, { min: 0, max: 60_000 }),
  }),
  /**
   * After the grace, when the server stops listening: how long the requests in progress may still
   * take to be answered before their connections are closed, in ms (`TOLLGATE_DRAIN_TIMEOUT_MS`).
   * Default 20000: with the grace and the refunds, within Kubernetes' 30 s before it kills.
   */
  drainTimeoutMs: setting({
    env: 'TOLLGATE_DRAIN_TIMEOUT_MS',
    json: NUMBER,
    default: 20_000,
    parse: (raw) => integer(raw, { min: 0, max: 600_000 }),
  }),
  /**
   * How long an operation holds its concurrency slot at most, in ms, counted from when it may run
   * (`TOLLGATE_CONCURRENCY_LEASE_MS`): a slot its process never gives back (killed, say) is free
   * again after this. An operation running longer stops counting against `maxConcurrent`. Default {@link DEFAULT_CONCURRENCY_LEASE_MS}.
   */
  concurrencyLeaseMs: setting({
    env: 'TOLLGATE_CONCURRENCY_LEASE_MS',
    json: NUMBER,
    default: DEFAULT_CONCURRENCY_LEASE_MS,
    parse: (raw) => integer(raw, { min: 100, max: 3_600_000 }),
  }),
  /** Who is calling: API keys and client addresses. */
  identity: {
    /** Proxies allowed to name the client: a hop count, or addresses and CIDR ranges (`TOLLGATE_TRUST_PROXY`). Default none. */
    trustedProxies: setting({
      env: 'TOLLGATE_TRUST_PROXY',
      json: either(NUMBER, STRINGS),
      default: { kind: 'none' },
      parse: trustedProxies,
    }),
    /**
     * The header the trusted proxies name the client in, `x-forwarded-for` or `forwarded`; the other
     * is never read (`TOLLGATE_PROXY_HEADER`). Default `x-forwarded-for`.
     */
    proxyHeader: setting({
      env: 'TOLLGATE_PROXY_HEADER',
      json: STRING,
      default: 'x-forwarded-for',
      parse: (raw) => oneOf(raw.trim().toLowerCase(), PROXY_HEADERS),
    }),
    /** IPv6 clients are keyed by this prefix length (`TOLLGATE_IPV6_PREFIX`). Default 64. */
    ipv6PrefixLength: setting({
      env: 'TOLLGATE_IPV6_PREFIX',
      json: NUMBER,
      default: 64,
      parse: (raw) => integer(raw, { min: 1, max: 128 }),
    }),
    /** Failed key attempts allowed per address… (`TOLLGATE_AUTH_FAILURES_MAX`). Default 10. */
    maxAuthFailures: setting({
      env: 'TOLLGATE_AUTH_FAILURES_MAX',
      json: NUMBER,
      default: 10,
      parse: (raw) => integer(raw, { min: 1 }),
    }),
    /** …in any window of this length, a duration such as `"15m"` (`TOLLGATE_AUTH_FAILURES_WINDOW`). Default 15 minutes. */
    authFailuresWindow: setting({
      env: 'TOLLGATE_AUTH_FAILURES_WINDOW',
      json: STRING,
      default: 15 * 60_000,
      parse: durationMs,
    }),
    /** How long a key record is believed before it is read again, in ms (`TOLLGATE_KEY_CACHE_MS`). Default 500. */
    keyCacheMs: setting({
      env: 'TOLLGATE_KEY_CACHE_MS',
      json: NUMBER,
      default: 500,
      parse: (raw) => integer(raw, { min: 0, max: 60_000 }),
    }),
    /**
     * How long after it was read a key record is trusted at most, in ms, when it cannot be read again
     * (`TOLLGATE_KEY_MAX_STALENESS_MS`): past it the key is served as the anonymous client of its
     * address. The longest a revoked key keeps its tier on a process cut off from Redis. Default 5000.
     */
    keyMaxStalenessMs: setting({
      env: 'TOLLGATE_KEY_MAX_STALENESS_MS',
      json: NUMBER,
      default: 5000,
      parse: (raw) => integer(raw, { min: 0, max: 3_600_000 }),
    }),
    /** Where keys are kept without Redis (`TOLLGATE_KEYS_FILE`). Default `$XDG_DATA_HOME/tollgate/keys.json` (`~/.local/share/…`). */
    keysFile: setting({
      env: 'TOLLGATE_KEYS_FILE',
      json: STRING,
      default: ({ env }) =>
        join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'tollgate', 'keys.json'),
      emptyIsUnset: true,
      parse: filePath,
    }),
    /** The header carrying API keys, lower-cased; `none` or `null` for no header (`TOLLGATE_API_KEY_HEADER`). Default `x-api-key`. */
    apiKeyHeader: setting({
      env: 'TOLLGATE_API_KEY_HEADER',
      json: orNull(STRING),
      default: DEFAULT_API_KEY_HEADER,
      parse: headerName,
    }),
    /** Whether `Authorization: Bearer tg_…` is read as a Tollgate key (`TOLLGATE_API_KEY_BEARER`). Default true. */
    bearerApiKeys: setting({ env: 'TOLLGATE_API_KEY_BEARER', json: BOOLEAN, default: true, parse: flag }),
  },
  /** Cross-origin requests from browsers. */
  cors: {
    /**
     * Origins allowed to call from a browser (`TOLLGATE_CORS_ORIGINS=a,b`): `*` alone, or
     * `scheme://host[:port]` each (no path), lower-cased. Default none: CORS off.
     */
    origins: setting({ env: 'TOLLGATE_CORS_ORIGINS', json: STRINGS, default: [], parse: corsOrigins }),
  },
  /**
   * Load shedding by tier: when this process is saturated, refuse the lowest tiers first (503
   * SERVER_OVERLOADED) so that the higher ones keep their latency. Level 1 (a signal at its mark)
   * sheds `anonymous`, level 2 (twice the mark) `free` too; `pro` is never shed.
   */
  shedding: {
    /**
     * Whether to shed (`TOLLGATE_SHED`). Default off: what "saturated" means depends on the
     * deployment (its cores, its resolvers, an autoscaler that should see the load first), and a
     * process starved by its neighbours shows a delay its own traffic did not cause.
     */
    enabled: setting({ env: 'TOLLGATE_SHED', json: BOOLEAN, default: false, parse: flag }),
    /**
     * Mean event-loop delay, in ms, over a half-second sample, that sheds `anonymous`; twice it
     * sheds `free` (`TOLLGATE_SHED_EVENT_LOOP_DELAY_MS`). 0: not watched. Default 50.
     */
    eventLoopDelayMs: setting({
      env: 'TOLLGATE_SHED_EVENT_LOOP_DELAY_MS',
      json: NUMBER,
      default: 50,
      parse: (raw) => integer(raw, { min: 0, max: 60_000 }),
    }),
    /**
     * GraphQL operations in flight in this process that shed `anonymous`; twice as many shed
     * `free` (`TOLLGATE_SHED_MAX_IN_FLIGHT`). 0: not watched. Default 0: how many is too many
     * depends on the resolvers (50 ms of CPU each, or 2 s of waiting on a database).
     */
    maxInFlight: setting({
      env: 'TOLLGATE_SHED_MAX_IN_FLIGHT',
      json: NUMBER,
      default: 0,
      parse: (raw) => integer(raw, { min: 0 }),
    }),
    /**
     * How long the load must stay under 80% of a level's mark before shedding steps down one level,
     * in ms; also the `Retry-After` of a shed request, rounded up to seconds
     * (`TOLLGATE_SHED_COOL_DOWN_MS`). Default 2000.
     */
    coolDownMs: setting({
      env: 'TOLLGATE_SHED_COOL_DOWN_MS',
      json: NUMBER,
      default: 2000,
      parse: (raw) => integer(raw, { min: 0, max: 600_000 }),
    }),
  },
} as const satisfies SettingsTree;

/**
 * Variables that start with `TOLLGATE_` but are not settings of the server: the configuration
 * file's name, and what the example client reads (src/client/examples).
 */
export const OTHER_VARIABLES: readonly string[] = ['TOLLGATE_CONFIG', 'TOLLGATE_URL', 'TOLLGATE_API_KEY'];
