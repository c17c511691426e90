/**
 * Entry point of the bench's in-process section: one contender in a process of its own, pinned to
 * the server core: `node test/bench/results/build/test/bench/servers/in-process.js` (compiled by
 * build.ts) with BENCH_CONTENDER, BENCH_TOLLGATE_DIST (the built package's folder, `dist/`),
 * REDIS_URL, BENCH_LIMIT, BENCH_IN_PROCESS_OPS, BENCH_REPEAT and Tollgate's settings in the
 * environment. Prints one JSON line, {@link InProcessRuns}.
 *
 * By hand, for instruction counts that the machine's other work does not move (run under
 * `valgrind --tool=callgrind`, `node --single-threaded` so that V8's compiler and GC threads count in
 * the same thread): BENCH_CALLGRIND=1 zeroes callgrind's counters before each measured run and dumps
 * them after it (one file per run: instructions ÷ BENCH_IN_PROCESS_OPS), and BENCH_SHAPE (`small`,
 * `nested`) runs one query shape only. `npm run bench:instructions` (instructions.ts) runs it so.
 *
 * The contender's Apollo Server, configured as over HTTP, is given the bench's operations by
 * `executeHTTPGraphQLRequest`, ten in flight, with no socket in between: what an operation costs
 * the process's JavaScript, without what the HTTP path adds around it (the kernel's share, the
 * parser, the write), which moves far more from run to run on a shared machine than the
 * JavaScript does. Calls to Redis still go over their socket. One contender per process: servers
 * sharing one would share graphql-js's and Apollo's compiled code, each slowing the others'.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { type ApolloServer, HeaderMap } from '@apollo/server';
import type { TollgateContext } from '../../../src/context.js';
import type * as DemoEntry from '../../../src/demo/index.js';
import type * as PublicEntry from '../../../src/index.js';
import { SHAPES } from '../queries.js';
import { alternativeSetup, isAlternative } from './alternatives.js';
import { alternativeContext, startAlternativeApollo } from './front.js';

/** What the entry prints: CPU µs per operation of every run, by contender and shape, in run order. */
export interface InProcessRuns {
  opsPerRun: number;
  runs: Array<{ contender: string; shape: string; cpuUsPerOp: number[] }>;
}

/** One contender as the loop drives it. */
interface Target {
  id: string;
  apollo: ApolloServer<TollgateContext>;
  context: () => Promise<TollgateContext>;
}

const IN_FLIGHT = 10;
const HEADERS = new HeaderMap([['content-type', 'application/json']]);
// What Tollgate reads of a request: its headers and the peer's address (no API key: by address).
const REQUEST = {
  headers: { host: '127.0.0.1', 'content-type': 'application/json' },
  socket: { remoteAddress: '127.0.0.1' },
} as unknown as IncomingMessage;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`the in-process bench needs ${name}`);
  return value;
}

/** Tollgate embedded in an Apollo Server through its public entry, as an app embeds it, from `dist/`. */
async function tollgateTarget(id: string, dist: string, redisUrl: string | undefined): Promise<Target> {
  // Loaded at run time from the built package: the bench measures what production runs.
  const entry = (await import(`${dist}/index.js`)) as typeof PublicEntry;
  const { bookstore } = (await import(`${dist}/demo/index.js`)) as typeof DemoEntry;
  const { REDIS_URL: _unused, ...env } = process.env;
  const tollgate = await entry.createTollgate({
    typeDefs: bookstore.typeDefs,
    resolvers: bookstore.createResolvers(),
    config: entry.loadConfig(redisUrl ? { ...env, REDIS_URL: redisUrl } : env),
  });
  const { ApolloServer } = await import('@apollo/server');
  const apollo = new ApolloServer<TollgateContext>({
    ...tollgate.apolloConfig,
    allowBatchedHttpRequests: true,
    includeStacktraceInErrorResponses: false,
  });
  await apollo.start();
  return { id, apollo, context: () => tollgate.context(REQUEST) };
}

async function target(id: string): Promise<Target> {
  const dist = required('BENCH_TOLLGATE_DIST');
  const redisUrl = required('REDIS_URL');
  if (id === 'tollgate-redis') return tollgateTarget(id, dist, redisUrl);
  if (id === 'tollgate-memory') return tollgateTarget(id, dist, undefined);
  if (!isAlternative(id)) throw new Error(`unknown BENCH_CONTENDER ${id}`);
  const { schema, plugins } = alternativeSetup(id, {
    redisUrl,
    limit: Number(required('BENCH_LIMIT')),
    windowSec: 60,
  });
  return {
    id,
    apollo: await startAlternativeApollo(schema, plugins),
    context: () => alternativeContext(REQUEST),
  };
}

/** Runs `ops` operations of `query`, ten in flight; throws on the first answer that is not a clean 200. */
async function runOps(target: Target, query: string, ops: number, check: boolean): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < ops) {
      started += 1;
      const result = await target.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: HEADERS, search: '', body: { query } },
        context: target.context,
      });
      if (!check) continue;
      const body = result.body.kind === 'complete' ? result.body.string : '';
      if ((result.status ?? 200) !== 200 || !body.startsWith('{"data":{') || body.includes('"errors"')) {
        throw new Error(`${target.id} answered ${result.status ?? 200}: ${body.slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** CPU µs (user + system) per operation of one run. */
async function measuredRun(target: Target, query: string, ops: number): Promise<number> {
  if (CALLGRIND) await callgrind('--zero');
  const before = process.cpuUsage();
  await runOps(target, query, ops, false);
  const used = process.cpuUsage(before);
  if (CALLGRIND) await callgrind('--dump=measured');
  return (used.user + used.system) / ops;
}

const CALLGRIND = process.env.BENCH_CALLGRIND === '1';

/**
 * Asks callgrind, which this process runs under, to zero or dump its counters. Awaited without
 * blocking: callgrind takes the command while the event loop waits, and those instructions are few.
 */
function callgrind(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn('callgrind_control', [command, String(process.pid)], { stdio: 'ignore' })
      .on('error', reject)
      .on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`callgrind_control ${command} exited ${code}`)),
      );
  });
}

async function main(): Promise<void> {
  const ops = Number(required('BENCH_IN_PROCESS_OPS'));
  const repeat = Number(required('BENCH_REPEAT'));
  const contender = await target(required('BENCH_CONTENDER'));
  const runs: InProcessRuns['runs'] = [];
  const only = process.env.BENCH_SHAPE;
  for (const shape of only ? SHAPES.filter((s) => s.id === only) : SHAPES) {
    // Warm-up: its answers are checked once, and its code is compiled before it counts.
    await runOps(contender, shape.query, ops, true);
    const cpuUsPerOp: number[] = [];
    for (let rep = 0; rep < repeat; rep++) cpuUsPerOp.push(await measuredRun(contender, shape.query, ops));
    runs.push({ contender: contender.id, shape: shape.id, cpuUsPerOp });
  }
  const output: InProcessRuns = { opsPerRun: ops, runs };
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().then(
  // Its connections and timers: the numbers are out, nothing else is owed.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
