/**
 * Instructions per operation, counted by callgrind: `npm run bench:instructions` (optionally
 * `-- [--http] <shape> <contender>...`; default the small query, plain Apollo, floor 6a and Tollgate
 * in memory). What no other work on the machine moves, unlike CPU time: two identical runs agree
 * within about 1% where CPU time per operation moves by a third on a shared machine. Counted
 * instructions say nothing of cache misses or of the kernel's share, so they do not replace the
 * bench's CPU targets; they tell apart what CPU time cannot here (a few µs), and show a change's
 * worth.
 *
 * In process (the default), each contender runs the in-process entry (servers/in-process.ts)
 * under `valgrind --tool=callgrind` with `node --single-threaded` (V8's compiler and GC work counted
 * in the one thread), 4,000 operations of warm-up, then three measured runs of 4,000, callgrind's
 * counters zeroed before each and dumped after it. About a minute and a half per contender.
 *
 * With `--http`, each contender's whole server, started as the bench starts it (Tollgate's is
 * `dist/main.js`, front, limits and drain included), runs under callgrind and is sent the
 * operations over HTTP one at a time (`countInstructionsOverHttp`): the path the CPU targets
 * measure, but for the kernel. About two and a half minutes for a pair of contenders without Redis,
 * four with it.
 *
 * Two contenders at a time on a 2-core machine (counts do not depend on sharing a core). Needs
 * valgrind.
 */
import { execFile } from 'node:child_process';
import { parseArgs, promisify } from 'node:util';
import { startRedisServer } from '../support/redis-server.js';
import { buildContenders } from './build.js';
import {
  countInstructions,
  countInstructionsOverHttp,
  HTTP_OPS,
  HTTP_WARM_UP_OPS,
  OPS,
  RUNS,
} from './callgrind.js';
import { CONTENDER_IDS, type ContenderId } from './contenders.js';
import { killServers } from './processes.js';
import { SHAPES } from './queries.js';

const DEFAULT_CONTENDERS = ['plain', 'floor-hooks', 'tollgate-memory'];

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { http: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const [shapeArg, ...contenderArgs] = positionals;
  const shape = shapeArg ?? 'small';
  if (!SHAPES.some((s) => s.id === shape))
    throw new Error(`unknown shape ${shape}: ${SHAPES.map((s) => s.id).join(', ')}`);
  const contenders = contenderArgs.length > 0 ? contenderArgs : DEFAULT_CONTENDERS;
  // Checked here: under valgrind the entry's own refusal would be buried in valgrind's output.
  const unknown = contenders.filter((c) => !(CONTENDER_IDS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    throw new Error(`unknown contender ${unknown.join(', ')}: ${CONTENDER_IDS.join(', ')}`);
  }
  await promisify(execFile)('valgrind', ['--version']).catch(() => {
    throw new Error('valgrind is not installed: apt-get install valgrind');
  });
  buildContenders();
  const redis = await startRedisServer();
  try {
    const counts = new Map<string, number[]>();
    // Two at a time: one per core.
    for (let i = 0; i < contenders.length; i += 2) {
      const pair = contenders.slice(i, i + 2);
      const results = await Promise.all(
        pair.map((c) =>
          values.http
            ? countInstructionsOverHttp(c as ContenderId, shape, redis.url)
            : countInstructions(c, shape, redis.url),
        ),
      );
      for (const [j, c] of pair.entries()) counts.set(c, results[j] as number[]);
    }
    const least = (c: string) => Math.min(...(counts.get(c) ?? [Number.NaN]));
    const plain = counts.has('plain') ? least('plain') : undefined;
    console.log(
      values.http
        ? `Instructions per operation over HTTP, one at a time, ${shape} query (callgrind; ${RUNS} runs of ${HTTP_OPS} after ${HTTP_WARM_UP_OPS} of warm-up):`
        : `Instructions per operation in process, ${shape} query (callgrind; ${RUNS} runs of ${OPS} after ${OPS} of warm-up):`,
    );
    for (const [contender, runs] of counts) {
      const over =
        plain === undefined
          ? ''
          : `, over plain ${((least(contender) - plain) / 1000).toFixed(1)}k (${(least(contender) / plain).toFixed(3)}×)`;
      console.log(`  ${contender}: ${runs.map((n) => `${(n / 1000).toFixed(1)}k`).join(' ')}${over}`);
    }
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  // A failed contender's partner is still counting over HTTP: it must not outlive the command.
  killServers();
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killServers();
    process.exit(130);
  });
}
