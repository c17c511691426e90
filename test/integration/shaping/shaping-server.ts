import { setTimeout as sleep } from 'node:timers/promises';
import { serve } from '../../../src/index.js';

// A server as `npm start` runs one (the serve API: configuration from the environment), around a
// schema whose fields say when they started running and answer `ms` later. Each run is also a line
// `ran <tag> <startedAtMs>` on stderr, so a test can tell that an operation never ran.
const typeDefs = /* GraphQL */ `
  type Query {
    "Costs 1 point. With fail, throws once it has run."
    work(ms: Int! = 0, tag: String! = "-", fail: Boolean! = false): Work!
    "Costs 10 points."
    heavyWork(ms: Int! = 0, tag: String! = "-", fail: Boolean! = false): Work! @cost(weight: 10)
    "Costs 1 point, and at most 100 calls a minute per client."
    limitedWork(ms: Int! = 0, tag: String! = "-", fail: Boolean! = false): Work! @rateLimit(max: 100, window: "1m")
  }
  type Work {
    startedAtMs: Float!
  }
`;

async function work(_: unknown, args: { ms: number; tag: string; fail: boolean }) {
  const startedAtMs = Date.now();
  process.stderr.write(`ran ${args.tag} ${startedAtMs}\n`);
  await sleep(args.ms);
  if (args.fail) throw new Error('failed on purpose');
  return { startedAtMs };
}

await serve({ typeDefs, resolvers: { Query: { work, heavyWork: work, limitedWork: work } } });
