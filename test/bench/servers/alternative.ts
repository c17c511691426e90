/**
 * Entry point of one alternative contender in a process of its own:
 * `node test/bench/results/build/test/bench/servers/alternative.js` (compiled by build.ts) with
 * BENCH_CONTENDER=plain|classic|directive|complexity|floor-hooks|floor-evalsha, PORT, REDIS_URL (all but plain),
 * BENCH_LIMIT (operations per window) and BENCH_WINDOW_S.
 */
import { Redis } from 'ioredis';
import { createRedisClient } from '../../../src/limiter/redis-connection.js';
import { plainBookstoreSchema } from './bookstore-sdl.js';
import { createClassicPlugin } from './classic-plugin.js';
import { createComplexityPlugin } from './complexity-plugin.js';
import { directiveBookstoreSchema } from './directive-schema.js';
import { createEmptyHooksPlugin, createEvalshaFloorPlugin } from './floor-plugins.js';
import { serveOnTollgateFront } from './front.js';

const contender = process.env.BENCH_CONTENDER ?? 'plain';
const port = Number(process.env.PORT ?? 0);
const limit = Number(process.env.BENCH_LIMIT ?? 2_000_000_000);
const windowSec = Number(process.env.BENCH_WINDOW_S ?? 60);

function redisClient(): Redis {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error(`the ${contender} contender needs REDIS_URL`);
  // The same client options as Tollgate's main.ts: an outage then compares limiters, not clients.
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

async function main(): Promise<void> {
  const schema = plainBookstoreSchema();
  switch (contender) {
    case 'plain':
      return serveOnTollgateFront(schema, [], port);
    case 'classic':
      return serveOnTollgateFront(schema, [createClassicPlugin(redisClient(), limit, windowSec)], port);
    case 'directive':
      return serveOnTollgateFront(directiveBookstoreSchema(redisClient(), limit, windowSec), [], port);
    case 'complexity':
      return serveOnTollgateFront(
        schema,
        [createComplexityPlugin(schema, redisClient(), limit, windowSec)],
        port,
      );
    case 'floor-hooks':
      return serveOnTollgateFront(schema, [createEmptyHooksPlugin()], port);
    case 'floor-evalsha': {
      const url = process.env.REDIS_URL;
      if (!url) throw new Error('the floor-evalsha contender needs REDIS_URL');
      // Tollgate's own client: the floor is the call as Tollgate makes it.
      return serveOnTollgateFront(schema, [createEvalshaFloorPlugin(createRedisClient({ url }))], port);
    }
    default:
      throw new Error(`unknown BENCH_CONTENDER ${contender}`);
  }
}

main().then(
  () => console.log(`bench contender ${contender} listening on ${port}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
