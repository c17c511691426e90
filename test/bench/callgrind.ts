/**
 * Instructions per operation of one contender in process, counted by callgrind: see
 * `instructions.ts`, the entry that runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IN_PROCESS_ENTRY, PROJECT_ROOT } from './build.js';
import { THROUGHPUT_LIMIT, UNTHROTTLED_TIERS } from './contenders.js';

/** Operations per measured run, and of the warm-up before them. */
export const OPS = 4000;
/** Measured runs per contender. */
export const RUNS = 3;

/** The instructions a callgrind dump counted (its `summary:` or `totals:` line). */
export function instructionsOfDump(text: string): number {
  const line = /^(?:summary|totals):\s+(\d+)/m.exec(text);
  if (!line) throw new Error('not a callgrind dump: no summary or totals line');
  return Number(line[1]);
}

/** Instructions per operation of each measured run of one contender, in run order. */
export async function countInstructions(
  contender: string,
  shape: string,
  redisUrl: string,
): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-callgrind-'));
  try {
    await promisify(execFile)(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${join(dir, 'cg.out')}`,
        process.execPath,
        '--single-threaded',
        IN_PROCESS_ENTRY,
      ],
      {
        cwd: PROJECT_ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          ...UNTHROTTLED_TIERS,
          LOG_LEVEL: 'warn',
          BENCH_CALLGRIND: '1',
          BENCH_SHAPE: shape,
          BENCH_CONTENDER: contender,
          BENCH_TOLLGATE_DIST: `${PROJECT_ROOT}dist`,
          REDIS_URL: redisUrl,
          BENCH_LIMIT: String(THROUGHPUT_LIMIT),
          BENCH_IN_PROCESS_OPS: String(OPS),
          BENCH_REPEAT: String(RUNS),
        },
      },
    );
    // cg.out.1 … cg.out.N: one per measured run, in order (cg.out itself is the exit's dump).
    const dumps = readdirSync(dir)
      .map((name) => /^cg\.out\.(\d+)$/.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .sort((a, b) => Number(a[1]) - Number(b[1]));
    if (dumps.length !== RUNS) throw new Error(`${contender}: ${dumps.length} dumps, expected ${RUNS}`);
    return dumps.map((match) => instructionsOfDump(readFileSync(join(dir, match[0]), 'utf8')) / OPS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
