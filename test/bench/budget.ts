/** How much time and work the benchmark spends; the defaults fit `npm run bench` in ~10 minutes on 2 cores. */
export interface BenchBudget {
  /** Seconds per measured load run (`BENCH_DURATION_S`, default 3). */
  durationSec: number;
  /**
   * Measured runs per contender and shape (`BENCH_REPEAT`, default 6): more, shorter runs than
   * fewer, longer ones, so that each contender has more chances at an undisturbed run.
   */
  repeat: number;
  /** Seconds of unmeasured load per contender and shape before the first run (`BENCH_WARMUP_S`, default 1). */
  warmupSec: number;
  /**
   * Processes per contender over the measured runs (`BENCH_PROCESSES`, default 3): the repetitions
   * are shared out between that many fresh starts of every server, so that no figure rests on where
   * one process's code and heap happened to land (four identical plain servers measured up to 10%
   * apart). At most `repeat`.
   */
  processes: number;
  /** Concurrent connections of the load generator (`BENCH_CONNECTIONS`, default 10). */
  connections: number;
  /** Operations per shape counted for Redis round trips (`BENCH_TRIP_OPS`, default 200). */
  tripOperations: number;
  /** Requests one client fires at once in the concurrency test (`BENCH_CONCURRENT`, default 1,000). */
  concurrentRequests: number;
  /** The exactness tests' window in seconds; the limit is 100 per window (`BENCH_WINDOW_S`, default 60). */
  windowSec: number;
  /** Distinct clients for the Redis memory test (`BENCH_MEMORY_CLIENTS`, default 100,000). */
  memoryClients: number;
  /** Seconds until an idle client's keys expire in the memory test (`BENCH_MEMORY_TTL_S`, default 15). */
  memoryTtlSec: number;
  /** Operations per in-process run of each contender and shape (`BENCH_IN_PROCESS_OPS`, default 3,000). */
  inProcessOps: number;
  /** Documents priced per pricing timing (`BENCH_PRICING_ITERATIONS`, default 2,000). */
  pricingIterations: number;
  /** Where the JSON goes (`BENCH_JSON`, default `test/bench/results/bench-<time>.json`). */
  jsonPath: string | undefined;
}

/** The exactness tests' limit: operations per window. */
export const EXACT_LIMIT = 100;

/** Reads the budget from the environment. */
export function readBudget(env: NodeJS.ProcessEnv = process.env): BenchBudget {
  const read = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`${name} must be a number ≥ ${min}, got ${raw}`);
    return value;
  };
  return {
    durationSec: read('BENCH_DURATION_S', 3, 1),
    repeat: read('BENCH_REPEAT', 6, 1),
    warmupSec: read('BENCH_WARMUP_S', 1, 0),
    processes: read('BENCH_PROCESSES', 3, 1),
    connections: read('BENCH_CONNECTIONS', 10, 1),
    tripOperations: read('BENCH_TRIP_OPS', 200, 1),
    concurrentRequests: read('BENCH_CONCURRENT', 1000, 1),
    windowSec: read('BENCH_WINDOW_S', 60, 2),
    memoryClients: read('BENCH_MEMORY_CLIENTS', 100_000, 1),
    memoryTtlSec: read('BENCH_MEMORY_TTL_S', 15, 1),
    inProcessOps: read('BENCH_IN_PROCESS_OPS', 3000, 1),
    pricingIterations: read('BENCH_PRICING_ITERATIONS', 2000, 1),
    jsonPath: env.BENCH_JSON || undefined,
  };
}
