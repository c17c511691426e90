/**
 * Entry point of one alternative contender in a process of its own:
 * `node test/bench/results/build/test/bench/servers/alternative.js` (compiled by build.ts) with
 * BENCH_CONTENDER=plain|classic|directive|complexity|floor-hooks|floor-evalsha, PORT, REDIS_URL (all but plain),
 * BENCH_LIMIT (operations per window) and BENCH_WINDOW_S.
 */
import { alternativeSetup, isAlternative } from './alternatives.js';
import { serveOnTollgateFront } from './front.js';

const contender = process.env.BENCH_CONTENDER ?? 'plain';
const port = Number(process.env.PORT ?? 0);

async function main(): Promise<void> {
  if (!isAlternative(contender)) throw new Error(`unknown BENCH_CONTENDER ${contender}`);
  const { schema, plugins } = alternativeSetup(contender, {
    redisUrl: process.env.REDIS_URL,
    limit: Number(process.env.BENCH_LIMIT ?? 2_000_000_000),
    windowSec: Number(process.env.BENCH_WINDOW_S ?? 60),
  });
  return serveOnTollgateFront(schema, plugins, port);
}

main().then(
  () => console.log(`bench contender ${contender} listening on ${port}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
