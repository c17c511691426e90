/**
 * Instructions per operation of one contender, counted by callgrind, in process or over HTTP: see
 * `instructions.ts`, the entry that runs it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { IN_PROCESS_ENTRY, PROJECT_ROOT } from './build.js';
import { type ContenderId, startContender, THROUGHPUT_LIMIT, UNTHROTTLED_TIERS } from './contenders.js';
import { post } from './http.js';
import { type Launch, SERVER_HOST, type ServerProcess } from './processes.js';
import { SHAPES } from './queries.js';

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

/** Instructions per operation of each measured run of one contender in process, in run order. */
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
    return perOperation(contender, dir, OPS, RUNS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Operations per measured run over HTTP, and of the warm-up before them (one at a time: see below). */
export const HTTP_OPS = 2000;
export const HTTP_WARM_UP_OPS = 10_000;

/**
 * Instructions per operation of each measured run of one contender's whole server, over HTTP, in
 * run order: the server, started as the bench starts it, runs under callgrind
 * ({@link underCallgrind}); this process sends it the operations on one keep-alive connection, one
 * at a time ({@link countServerInstructions}). One at a time, every operation is read, run and
 * answered in turns of the event loop of its own, as no two loads' timing would batch them alike.
 */
export async function countInstructionsOverHttp(
  contender: ContenderId,
  shape: string,
  redisUrl: string,
): Promise<number[]> {
  const query = SHAPES.find((s) => s.id === shape)?.query;
  if (!query) throw new Error(`unknown shape ${shape}`);
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-callgrind-'));
  try {
    const server = await startContender(contender, { kind: 'throughput' }, redisUrl, underCallgrind(dir));
    try {
      const send = async (ops: number) => {
        for (let i = 0; i < ops; i++) {
          const answer = await post(server.url, query, { timeoutMs: 60_000 });
          if (!answer.served) throw new Error(`${contender} answered ${answer.status} ${answer.code}`);
        }
      };
      return await countServerInstructions(server, dir, send, {
        warmUpOps: HTTP_WARM_UP_OPS,
        ops: HTTP_OPS,
        runs: RUNS,
      });
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * How to start a server under callgrind, its dumps written to `dir`: `node --predictable`, which
 * keeps V8 from collecting garbage by the clock (its memory reducer collects when the process
 * looks idle, and a process slowed fiftyfold looks idle at random): runs of plain Apollo or
 * Tollgate in memory then agree within about 1% (the Redis contenders' still vary, by up to 15%).
 * Not pinned: two servers are counted at once, one per core.
 */
export function underCallgrind(dir: string): Launch {
  return {
    // vgdb's pipes kept in `dir` too, so that a server killed mid-run leaves nothing in /tmp.
    wrapper: [
      'valgrind',
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'cg.out')}`,
      `--vgdb-prefix=${join(dir, 'vgdb')}`,
    ],
    nodeOptions: ['--predictable'],
    pin: false,
    startTimeoutMs: 300_000,
  };
}

/**
 * Instructions per operation of each measured run of a server started {@link underCallgrind}
 * with dumps in `dir`: `send(n)` gives it n operations, first `warmUpOps` (its code compiled
 * before it counts), then `runs` times `ops` with its counters zeroed before and dumped after.
 */
export async function countServerInstructions(
  server: ServerProcess,
  dir: string,
  send: (ops: number) => Promise<void>,
  counts: { warmUpOps: number; ops: number; runs: number },
): Promise<number[]> {
  await send(counts.warmUpOps);
  for (let run = 0; run < counts.runs; run++) {
    await callgrindControl(dir, server.pid, '--zero');
    await send(counts.ops);
    await callgrindControl(dir, server.pid, '--dump=measured');
    // callgrind_control says OK and exits 0 even when it never reached the process.
    if (dumpsIn(dir).length !== run + 1) {
      throw new Error(`callgrind_control did not reach the server (pid ${server.pid}): no dump written`);
    }
  }
  return perOperation(`server ${server.pid}`, dir, counts.ops, counts.runs);
}

/**
 * Runs `callgrind_control <command> <pid>` for a server started {@link underCallgrind} with `dir`.
 * vgdb, which it talks through, names its pipes after the user and host in the environment
 * (`…-by-$USER-on-$HOST`, `???` for either when unset), so it is given the server's own: no USER
 * or LOGNAME, its HOST.
 */
async function callgrindControl(dir: string, pid: number, command: string): Promise<void> {
  const prefix = `--vgdb-prefix=${join(dir, 'vgdb')}`;
  await promisify(execFile)('callgrind_control', [prefix, command, String(pid)], {
    env: { PATH: process.env.PATH, HOST: SERVER_HOST },
    timeout: 60_000,
  });
}

/** The measured runs' dumps in `dir`, in run order: cg.out.1 … cg.out.N (cg.out itself is the exit's). */
function dumpsIn(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => /^cg\.out\.(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((match) => match[0]);
}

/** Each measured run's instructions per operation, from the dumps in `dir`, in run order. */
function perOperation(what: string, dir: string, ops: number, runs: number): number[] {
  const dumps = dumpsIn(dir);
  if (dumps.length !== runs) throw new Error(`${what}: ${dumps.length} dumps, expected ${runs}`);
  return dumps.map((name) => instructionsOfDump(readFileSync(join(dir, name), 'utf8')) / ops);
}
