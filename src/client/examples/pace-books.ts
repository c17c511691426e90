/**
 * The pacing client at work: fires a burst of queries at Tollgate and lets the client keep them
 * within the bucket. Run against a server (`npm start`):
 *
 *   npx tsx src/client/examples/pace-books.ts [count]
 *
 * `TOLLGATE_URL` (default http://localhost:4000/graphql) and `TOLLGATE_API_KEY` (default none: the
 * anonymous tier) pick the server and the bucket.
 */
import { createTollgateClient } from '../tollgate-client.js';

const url = process.env.TOLLGATE_URL ?? 'http://localhost:4000/graphql';
const count = Number(process.argv[2] ?? 100);
const client = createTollgateClient({ url, apiKey: process.env.TOLLGATE_API_KEY });

const query = 'query Page($first: Int!) { books(first: $first) { title author { name } } }';
const startedAt = Date.now();
// All at once, as a careless caller would: the client decides when each one goes out.
const results = await Promise.all(
  Array.from({ length: count }, () => client.request(query, { variables: { first: 5 } })),
);

const byStatus = new Map<number, number>();
for (const { status } of results) byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
const last = results.at(-1);
console.log(
  JSON.stringify({
    queries: count,
    statuses: Object.fromEntries(byStatus),
    costEach: last?.cost?.requestedQueryCost,
    bucket: last?.cost?.throttleStatus,
    elapsedMs: Date.now() - startedAt,
    ...client.stats,
  }),
);
process.exitCode = results.every((result) => result.status === 200) ? 0 : 1;
