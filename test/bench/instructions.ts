/**
 * Instructions per operation in process, counted by callgrind: `npm run bench:instructions`
 * (optionally `-- <shape> <contender>...`; default the small query, plain Apollo, floor 6a and
 * Tollgate in memory). What no other work on the machine moves, unlike CPU time: two identical runs
 * agree within about 1% where CPU time per operation moves by a third on a shared machine. A
 * guide for finding and checking a change's worth, not a bench target (the targets are CPU time):
 * counted instructions say nothing of cache misses or the kernel's share.
 *
 * Each contender runs the in-process entry (servers/in-process.ts) under
 * `valgrind --tool=callgrind` with `node --single-threaded` (V8's compiler and GC work counted in
 * the one thread), 4,000 operations of warm-up, then three measured runs of 4,000, callgrind's
 * counters zeroed before each and dumped after it. About a minute and a half per contender on a
 * 2-core machine, two at a time (counts do not depend on sharing a core). Needs valgrind.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRedisServer } from '../support/redis-server.js';
import { buildContenders } from './build.js';
import { countInstructions, OPS, RUNS } from './callgrind.js';
import { CONTENDER_IDS } from './contenders.js';
import { SHAPES } from './queries.js';

const DEFAULT_CONTENDERS = ['plain', 'floor-hooks', 'tollgate-memory'];

async function main(): Promise<void> {
  const [shapeArg, ...contenderArgs] = process.argv.slice(2);
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
      const results = await Promise.all(pair.map((c) => countInstructions(c, shape, redis.url)));
      for (const [j, c] of pair.entries()) counts.set(c, results[j] as number[]);
    }
    const least = (c: string) => Math.min(...(counts.get(c) ?? [Number.NaN]));
    const plain = counts.has('plain') ? least('plain') : undefined;
    console.log(
      `Instructions per operation in process, ${shape} query (callgrind; ${RUNS} runs of ${OPS} after ${OPS} of warm-up):`,
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
  process.exit(1);
});
