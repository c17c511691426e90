/**
 * `npm run bench`: Tollgate side by side with a plain server and the usual alternatives, in one
 * run on one machine. Prints a markdown report to stdout (progress goes to stderr) and writes
 * the same numbers as JSON under test/bench/results/. The budget comes from BENCH_* variables
 * (test/bench/budget.ts); REDIS_URL names a Redis the bench may empty, else it starts its own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { startRedisServer } from '../support/redis-server.js';
import { EXACT_LIMIT, readBudget } from './budget.js';
import { buildContenders } from './build.js';
import { type ContenderMode, startAll, stopAll } from './contenders.js';
import { holdIdlePolling } from './idle-polling.js';
import { describeMachine } from './machine.js';
import { killServers, LOAD_CORE, pinSelf, unpinSelf } from './processes.js';
import { type BenchReport, renderMarkdown } from './report.js';
import { measureExactness } from './sections/exactness.js';
import { measureInProcess } from './sections/in-process.js';
import { measureMemory } from './sections/memory.js';
import { measureOutage, type RedisControl } from './sections/outage.js';
import { measurePricing } from './sections/pricing.js';
import { measureRoundTrips } from './sections/round-trips.js';
import { measureShaping } from './sections/shaping.js';
import { measureSheddingCost } from './sections/shedding.js';
import {
  measureThroughput,
  repetitionsByProcess,
  summariseRuns,
  type ThroughputRuns,
} from './sections/throughput.js';
import { checkTargets } from './targets.js';

const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;

const benchStart = Date.now();
const progress = (message: string) =>
  process.stderr.write(`[bench +${Math.round((Date.now() - benchStart) / 1000)} s] ${message}\n`);

/** The Redis the contenders share: REDIS_URL as given, or a `redis-server` of the bench's own. */
async function benchRedis(): Promise<{ url: string; control: RedisControl | null; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, control: null, stop: async () => {} };
  const server = await startRedisServer();
  return { url: server.url, control: server, stop: () => server.stop() };
}

async function flush(url: string): Promise<void> {
  const redis = new Redis(url);
  await redis.flushall();
  redis.disconnect();
}

/** Starts every contender in `mode`, runs `measure`, and stops them whatever happens. */
async function withContenders<T>(
  mode: ContenderMode,
  url: string,
  measure: (servers: Awaited<ReturnType<typeof startAll>>) => Promise<T>,
): Promise<T> {
  unpinSelf();
  const servers = await startAll(mode, url).finally(() => pinSelf(LOAD_CORE));
  try {
    return await measure(servers);
  } finally {
    await stopAll(servers);
  }
}

async function main(): Promise<void> {
  const budget = readBudget();
  const startedAt = new Date();
  const startLoad = loadavg()[0] ?? 0;
  progress('compiling the contenders (dist/ and the alternatives)');
  buildContenders();
  // Redis, the load generator and this runner share one core; the servers get the other to themselves.
  pinSelf(LOAD_CORE);
  // Held for the whole run, every section alike; dropped when the process exits, however it exits.
  const idlePolling = holdIdlePolling();
  const redis = await benchRedis();
  const interrupted = (signal: NodeJS.Signals) => {
    killServers();
    void redis.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    progress('pricing cost');
    const pricing = measurePricing(budget.pricingIterations);
    progress('load shedding cost');
    const shedding = await measureSheddingCost(budget.pricingIterations);
    progress(`Redis memory for ${budget.memoryClients} clients`);
    const memory = await measureMemory(redis.url, budget.memoryClients, budget.memoryTtlSec);
    await flush(redis.url);
    progress('traffic shaping: waiting and concurrency, on and off');
    const shaping = await measureShaping(redis.url, budget.pricingIterations);
    await flush(redis.url);

    progress('CPU per operation in process');
    const inProcess = await measureInProcess(redis.url, budget);
    await flush(redis.url);

    // Each contender's repetitions shared out between fresh starts of its server (budget.processes).
    const runs: ThroughputRuns = new Map();
    const starts = repetitionsByProcess(budget.repeat, budget.processes);
    for (const [start, repetitions] of starts.entries()) {
      progress(`throughput and latency: start ${start + 1} of ${starts.length}, unthrottled`);
      await withContenders({ kind: 'throughput' }, redis.url, (servers) =>
        measureThroughput(servers, budget, redis.url, repetitions, runs),
      );
      await flush(redis.url);
    }
    const throughput = summariseRuns(runs);

    progress('starting the contenders, unthrottled');
    const loaded = await withContenders({ kind: 'throughput' }, redis.url, async (servers) => {
      progress('Redis round trips');
      const roundTrips = await measureRoundTrips(servers, redis.url, budget);
      progress('Redis stopped');
      const outage = redis.control ? await measureOutage(servers, redis.control) : [];
      return { throughput, roundTrips, outage };
    });
    await flush(redis.url);

    progress(`exactness (limit ${EXACT_LIMIT} per ${budget.windowSec} s)`);
    const exactMode = { kind: 'exact', limit: EXACT_LIMIT, windowSec: budget.windowSec } as const;
    const exactness = await withContenders(exactMode, redis.url, (servers) =>
      measureExactness(servers, budget.windowSec, budget.concurrentRequests),
    );

    const measured = { ...loaded, exactness, memory };
    const report: BenchReport = {
      machine: describeMachine(budget, startedAt, startLoad, idlePolling.description),
      ...measured,
      inProcess,
      pricing,
      shedding,
      shaping,
      ...(redis.control
        ? {}
        : {
            outageSkipped:
              'Skipped: REDIS_URL names a Redis the bench did not start, so it does not stop it.',
          }),
      targets: checkTargets(measured),
    };
    const jsonPath =
      budget.jsonPath ?? `${RESULTS_DIR}bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`;
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${renderMarkdown(report)}\n\nJSON: ${jsonPath}\n`);
    progress(`done in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`);
  } finally {
    await redis.stop();
    idlePolling.release();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
