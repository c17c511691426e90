import { Redis } from 'ioredis';
import type { BenchBudget } from '../budget.js';
import { CONTENDER_IDS, type ContenderId } from '../contenders.js';
import { post } from '../http.js';
import { type LoadResult, runLoad } from '../load.js';
import { cpuTimeMs, ioCalls, type ServerProcess } from '../processes.js';
import { SHAPES } from '../queries.js';
import { least, median, spread } from '../stats.js';

/** One measured load run, with the server's own CPU time over it. */
export interface MeasuredRun extends LoadResult {
  /** Server CPU (user + system) per operation, in microseconds. */
  cpuUsPerOp: number;
  /** The server's read and write system calls per operation (its clients' sockets and Redis's). */
  ioCallsPerOp: { reads: number; writes: number };
  /** Redis's own CPU (user + system, from `INFO cpu`) per operation, in microseconds. */
  redisCpuUsPerOp: number;
}

/** A contender's runs on one query shape, summarised; ratios are to the plain server's medians. */
export interface ThroughputResult {
  contender: ContenderId;
  shape: string;
  runs: MeasuredRun[];
  opsPerSec: { median: number; min: number; max: number; vsPlain: number };
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Medians of the server's read and write system calls per operation. */
  ioCallsPerOp: { reads: number; writes: number };
  /** Median of Redis's CPU per operation, in µs: what the contender costs the shared Redis. */
  redisCpuUsPerOp: number;
  /** `vsPlain`: medians' ratio; `leastVsPlain`: the least disturbed runs' ratio (min to min). */
  cpuUsPerOp: { median: number; min: number; max: number; vsPlain: number; leastVsPlain: number };
  /**
   * Server CPU per operation this contender adds to the plain server's, in microseconds. The
   * headline, `least`, is its least disturbed run less plain's (min − min): on a shared machine
   * interference only ever adds CPU time (caches and cores shared with neighbours), so the lowest
   * run of each is the nearest to its own work, and the estimate that holds still from one bench
   * run to the next. `median`, `min`, `max`: per repetition, against plain's run of the same
   * repetition.
   */
  cpuOverPlainUs: { least: number; median: number; min: number; max: number };
  /** Non-2xx answers and errors over all runs: a fair run has none (nothing throttled). */
  failures: number;
}

/**
 * The repetitions each start of the servers runs: `repeat` shared out in order between `processes`
 * starts, as evenly as they go, none left without one (so at most `repeat` starts).
 */
export function repetitionsByProcess(repeat: number, processes: number): number[][] {
  const starts = Math.max(1, Math.min(processes, repeat));
  return Array.from({ length: starts }, (_, start) => {
    const first = Math.floor((start * repeat) / starts);
    const end = Math.floor(((start + 1) * repeat) / starts);
    return Array.from({ length: end - first }, (_, i) => first + i);
  });
}

/** Every run of every contender and shape so far, by `contender/shape`, repetitions in order. */
export type ThroughputRuns = Map<string, MeasuredRun[]>;

/**
 * Loads every contender of `servers` with every shape, once per repetition of `repetitions`, and
 * adds the runs to `runs` (summarise them with {@link summariseRuns}). Within a repetition the
 * contenders take turns, in the opposite order every other repetition (by its number), so that a
 * slow phase of a noisy machine (or a drift over the run) hits them all alike.
 */
export async function measureThroughput(
  servers: ReadonlyMap<ContenderId, ServerProcess>,
  budget: BenchBudget,
  redisUrl: string,
  repetitions: readonly number[],
  runs: ThroughputRuns,
): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    await measureRuns(servers, budget, () => redisCpuMs(redis), repetitions, runs);
  } finally {
    redis.disconnect();
  }
}

/** Redis's CPU time so far (user + system), in ms, as it reports it (`INFO cpu`, to the microsecond). */
async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

async function measureRuns(
  servers: ReadonlyMap<ContenderId, ServerProcess>,
  budget: BenchBudget,
  redisCpu: () => Promise<number>,
  repetitions: readonly number[],
  runs: ThroughputRuns,
): Promise<void> {
  await checkEveryAnswer(servers);
  if (budget.warmupSec > 0) {
    for (const shape of SHAPES) {
      for (const server of servers.values()) {
        await runLoad(server.url, shape.query, budget.warmupSec, budget.connections);
      }
    }
  }
  for (const rep of repetitions) {
    for (const shape of SHAPES) {
      for (const id of rep % 2 === 0 ? CONTENDER_IDS : [...CONTENDER_IDS].reverse()) {
        const server = servers.get(id);
        if (!server) continue;
        const redisBeforeMs = await redisCpu();
        const cpuBeforeMs = cpuTimeMs(server.pid);
        const ioBefore = ioCalls(server.pid);
        const load = await runLoad(server.url, shape.query, budget.durationSec, budget.connections);
        const cpuMs = cpuTimeMs(server.pid) - cpuBeforeMs;
        const io = ioCalls(server.pid);
        const redisCpuUsPerOp = (((await redisCpu()) - redisBeforeMs) * 1000) / load.operations;
        const ioCallsPerOp = {
          reads: (io.reads - ioBefore.reads) / load.operations,
          writes: (io.writes - ioBefore.writes) / load.operations,
        };
        const key = `${id}/${shape.id}`;
        const run = { ...load, cpuUsPerOp: (cpuMs * 1000) / load.operations, ioCallsPerOp, redisCpuUsPerOp };
        runs.set(key, [...(runs.get(key) ?? []), run]);
      }
    }
  }
}

/** Every contender must serve every shape correctly before its speed means anything. */
async function checkEveryAnswer(servers: ReadonlyMap<ContenderId, ServerProcess>): Promise<void> {
  for (const [id, server] of servers) {
    for (const shape of SHAPES) {
      const answer = await post(server.url, shape.query);
      if (!answer.served) {
        throw new Error(`${id} did not serve the ${shape.id} query: HTTP ${answer.status} ${answer.code}`);
      }
    }
  }
}

/** Summarises the runs by `contender/shape`, repetitions in order; ratios and differences are to plain's. */
export function summariseRuns(runs: ReadonlyMap<string, readonly MeasuredRun[]>): ThroughputResult[] {
  const results: ThroughputResult[] = [];
  for (const shape of SHAPES) {
    const plain = runs.get(`plain/${shape.id}`) ?? [];
    const plainOps = median(plain.map((run) => run.opsPerSec));
    const plainCpu = median(plain.map((run) => run.cpuUsPerOp));
    const plainLeast = least(plain.map((run) => run.cpuUsPerOp));
    for (const id of CONTENDER_IDS) {
      const own = runs.get(`${id}/${shape.id}`);
      if (!own) continue;
      const ops = own.map((run) => run.opsPerSec);
      const cpu = own.map((run) => run.cpuUsPerOp);
      const overPlain = own.map((run, i) => run.cpuUsPerOp - (plain[i] ?? run).cpuUsPerOp);
      results.push({
        contender: id,
        shape: shape.id,
        runs: [...own],
        opsPerSec: { median: median(ops), ...spread(ops), vsPlain: median(ops) / plainOps },
        latencyP50Ms: median(own.map((run) => run.latencyP50Ms)),
        latencyP99Ms: median(own.map((run) => run.latencyP99Ms)),
        ioCallsPerOp: {
          reads: median(own.map((run) => run.ioCallsPerOp.reads)),
          writes: median(own.map((run) => run.ioCallsPerOp.writes)),
        },
        redisCpuUsPerOp: median(own.map((run) => run.redisCpuUsPerOp)),
        cpuUsPerOp: {
          median: median(cpu),
          ...spread(cpu),
          vsPlain: median(cpu) / plainCpu,
          leastVsPlain: least(cpu) / plainLeast,
        },
        cpuOverPlainUs: {
          least: least(cpu) - plainLeast,
          median: median(overPlain),
          ...spread(overPlain),
        },
        failures: own.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
      });
    }
  }
  return results;
}
