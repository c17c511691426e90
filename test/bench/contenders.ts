import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { ALTERNATIVE_ENTRY, TOLLGATE_ENTRY } from './build.js';
import { type Launch, type ServerProcess, startServer } from './processes.js';
import { SCHEMA_DIR } from './servers/bookstore-sdl.js';

/** Every contender, in the order the report lists them. */
export const CONTENDER_IDS = [
  'plain',
  'classic',
  'directive',
  'complexity',
  'tollgate-redis',
  'tollgate-memory',
  'floor-hooks',
  'floor-evalsha',
] as const;
/** A contender's id. */
export type ContenderId = (typeof CONTENDER_IDS)[number];

/** What the report says about a contender. */
export interface Contender {
  id: ContenderId;
  label: string;
  /** Whether it keeps state in Redis. */
  usesRedis: boolean;
  /** Whether it limits anything (the plain server is the ceiling, not a limiter). */
  limits: boolean;
}

/**
 * The contenders: a plain server, three usual alternatives, Tollgate on both stores, and two
 * floors that show which part of Tollgate's cost any plugin of its shape pays.
 */
export const CONTENDERS: readonly Contender[] = [
  { id: 'plain', label: '1. Plain Apollo (no limiting)', usesRedis: false, limits: false },
  { id: 'classic', label: '2. Classic INCR+EXPIRE plugin', usesRedis: true, limits: true },
  { id: 'directive', label: '3. graphql-rate-limit-directive (RLF Redis)', usesRedis: true, limits: true },
  { id: 'complexity', label: '4. graphql-query-complexity + RLF Redis', usesRedis: true, limits: true },
  { id: 'tollgate-redis', label: '5a. Tollgate (Redis)', usesRedis: true, limits: true },
  { id: 'tollgate-memory', label: '5b. Tollgate (memory)', usesRedis: false, limits: true },
  // Floors, not limiters: what any plugin of Tollgate's shape pays before doing anything.
  {
    id: 'floor-hooks',
    label:
      "6a. Floor: plain + a plugin with Tollgate's hooks and answer (extensions.cost, RateLimit fields), deciding nothing",
    usesRedis: false,
    limits: false,
  },
  {
    id: 'floor-evalsha',
    label: "6b. Floor: plain + one no-op EVALSHA per operation (Tollgate's client and arguments)",
    usesRedis: true,
    limits: false,
  },
];

/** How a contender is configured: never throttling the load, or holding the exactness limit. */
export type ContenderMode =
  | { kind: 'throughput' }
  | { kind: 'exact' /** Operations per window. */; limit: number; windowSec: number };

/** Tollgate's tier settings for buckets so large that the load is never throttled (and small enough for exact integers in Lua). */
export const UNTHROTTLED_TIERS = Object.fromEntries(
  ['ANONYMOUS', 'FREE', 'PRO'].flatMap((tier) => [
    [`TOLLGATE_TIER_${tier}_CAPACITY`, '1000000'],
    [`TOLLGATE_TIER_${tier}_REFILL_PER_SEC`, '1000000'],
    [`TOLLGATE_TIER_${tier}_MAX_COST`, '1000000'],
  ]),
);
/** The alternatives' limit when they must not refuse anything: operations per window. */
export const THROUGHPUT_LIMIT = 2_000_000_000;

/**
 * Starts one contender in a process of its own, on a free port, pinned to the server core (unless
 * `launch` says otherwise: it may also run node under another command).
 */
export async function startContender(
  id: ContenderId,
  mode: ContenderMode,
  redisUrl: string,
  launch: Launch = {},
): Promise<ServerProcess> {
  const port = await freePort();
  if (id === 'tollgate-redis' || id === 'tollgate-memory') {
    // Exactly as production starts it (`npm start`): dist/main.js, configured by the environment.
    const env: Record<string, string> = { ...UNTHROTTLED_TIERS, LOG_LEVEL: 'warn' };
    if (id === 'tollgate-redis') env.REDIS_URL = redisUrl;
    if (mode.kind === 'exact') env.BOOKSTORE_SCHEMA_DIR = exactSchemaDir(mode.limit, mode.windowSec);
    return startServer(TOLLGATE_ENTRY, port, env, launch);
  }
  const limit = mode.kind === 'exact' ? mode.limit : THROUGHPUT_LIMIT;
  const windowSec = mode.kind === 'exact' ? mode.windowSec : 60;
  return startServer(
    ALTERNATIVE_ENTRY,
    port,
    {
      BENCH_CONTENDER: id,
      BENCH_LIMIT: String(limit),
      BENCH_WINDOW_S: String(windowSec),
      ...(id === 'plain' || id === 'floor-hooks' ? {} : { REDIS_URL: redisUrl }),
    },
    launch,
  );
}

/** Starts every contender at once (each start is mostly module loading); same order as {@link CONTENDERS}. */
export async function startAll(
  mode: ContenderMode,
  redisUrl: string,
): Promise<Map<ContenderId, ServerProcess>> {
  const started = await Promise.allSettled(CONTENDER_IDS.map((id) => startContender(id, mode, redisUrl)));
  const servers = new Map<ContenderId, ServerProcess>();
  started.forEach((result, i) => {
    if (result.status === 'fulfilled') servers.set(CONTENDER_IDS[i] as ContenderId, result.value);
  });
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await stopAll(servers);
    throw (failed as PromiseRejectedResult).reason;
  }
  return servers;
}

/** Stops every server of {@link startAll}. */
export async function stopAll(servers: Map<ContenderId, ServerProcess>): Promise<void> {
  await Promise.all([...servers.values()].map((server) => server.stop()));
}

/** A copy of the demo schema whose `data` field allows `limit` calls per `windowSec`. */
function exactSchemaDir(limit: number, windowSec: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-schema-'));
  cpSync(SCHEMA_DIR, dir, { recursive: true });
  const file = join(dir, 'bookstore.graphql');
  const sdl = readFileSync(file, 'utf8').replace(
    /data: Data @rateLimit\([^)]*\)/,
    `data: Data @rateLimit(max: ${limit}, window: "${windowSec}s")`,
  );
  if (!sdl.includes(`@rateLimit(max: ${limit}, window: "${windowSec}s")`)) {
    throw new Error('could not set the limit of Query.data in the copied schema');
  }
  writeFileSync(file, sdl);
  return dir;
}
