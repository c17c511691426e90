import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchBudget } from '../budget.js';
import { IN_PROCESS_ENTRY, PROJECT_ROOT } from '../build.js';
import { CONTENDER_IDS, type ContenderId, THROUGHPUT_LIMIT, UNTHROTTLED_TIERS } from '../contenders.js';
import { pinned, SERVER_CORE } from '../processes.js';
import { SHAPES } from '../queries.js';
import type { InProcessRuns } from '../servers/in-process.js';
import { least, median } from '../stats.js';

/** One contender's in-process runs on one query shape. */
export interface InProcessResult {
  contender: ContenderId;
  shape: string;
  /** CPU µs per operation of each run, in run order. */
  cpuUsPerOp: number[];
  /** Its least disturbed run less plain's, and the median of the per-repetition differences. */
  cpuOverPlainUs: { least: number; median: number };
}

/**
 * CPU per operation of every contender's JavaScript, without sockets between client and server
 * (see `servers/in-process.ts`), each in a process of its own on the server core, in two passes of
 * half the repetitions, the second in the opposite order (a slow phase of a noisy machine then
 * hits them alike). The figures the HTTP section's CPU column holds, less what the HTTP path adds.
 */
export async function measureInProcess(redisUrl: string, budget: BenchBudget): Promise<InProcessResult[]> {
  const runs = new Map<string, number[]>();
  const perPass = [Math.ceil(budget.repeat / 2), Math.floor(budget.repeat / 2)];
  for (const [pass, repeat] of perPass.entries()) {
    if (repeat === 0) continue;
    for (const contender of pass === 0 ? CONTENDER_IDS : [...CONTENDER_IDS].reverse()) {
      const output = await runContender(contender, redisUrl, budget.inProcessOps, repeat);
      for (const run of output.runs) {
        const key = `${run.contender}/${run.shape}`;
        runs.set(key, [...(runs.get(key) ?? []), ...run.cpuUsPerOp]);
      }
    }
  }
  return summariseInProcess({
    opsPerRun: budget.inProcessOps,
    runs: [...runs].map(([key, cpuUsPerOp]) => {
      const [contender = '', shape = ''] = key.split('/');
      return { contender, shape, cpuUsPerOp };
    }),
  });
}

async function runContender(
  contender: ContenderId,
  redisUrl: string,
  ops: number,
  repeat: number,
): Promise<InProcessRuns> {
  const [command, args] = pinned(SERVER_CORE, process.execPath, [IN_PROCESS_ENTRY]);
  const { stdout } = await promisify(execFile)(command, args, {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      ...UNTHROTTLED_TIERS,
      LOG_LEVEL: 'warn',
      BENCH_CONTENDER: contender,
      BENCH_TOLLGATE_DIST: `${PROJECT_ROOT}dist`,
      REDIS_URL: redisUrl,
      BENCH_LIMIT: String(THROUGHPUT_LIMIT),
      BENCH_IN_PROCESS_OPS: String(ops),
      BENCH_REPEAT: String(repeat),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as InProcessRuns;
}

/** Differences to plain, by contender and shape, in the order of the HTTP section. */
export function summariseInProcess(output: InProcessRuns): InProcessResult[] {
  const runsOf = (contender: string, shape: string) =>
    output.runs.find((run) => run.contender === contender && run.shape === shape)?.cpuUsPerOp ?? [];
  const results: InProcessResult[] = [];
  for (const shape of SHAPES) {
    const plain = runsOf('plain', shape.id);
    for (const contender of CONTENDER_IDS) {
      const own = runsOf(contender, shape.id);
      if (own.length === 0) continue;
      results.push({
        contender,
        shape: shape.id,
        cpuUsPerOp: own,
        cpuOverPlainUs: {
          least: least(own) - least(plain),
          median: median(own.map((cpu, i) => cpu - (plain[i] ?? Number.NaN))),
        },
      });
    }
  }
  return results;
}
