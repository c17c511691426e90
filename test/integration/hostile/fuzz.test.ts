import { Agent } from 'node:http';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';
import { createRandom, type FuzzCase, fuzzCase } from './fuzz-cases.js';
import { type RawAnswer, send } from './raw-http.js';

// Another seed explores other cases: FUZZ_SEED=123 npx vitest run test/integration/hostile/fuzz.test.ts
const SEED = Number(process.env.FUZZ_SEED ?? 0x70_11_6a_7e);
const CASES = 5000;
const CONCURRENCY = 16;
const CAPACITY = 100_000_000;

/** What the operations of one answer kept of the bucket: min(estimate, actual) each, once refunded. */
function keptPoints(answer: RawAnswer): number {
  const bodies = Array.isArray(answer.json) ? answer.json : [answer.json];
  return bodies.reduce((sum: number, body) => {
    const cost = (body as { extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number } } })
      ?.extensions?.cost;
    return sum + (cost ? Math.min(cost.requestedQueryCost, cost.actualQueryCost) : 0);
  }, 0);
}

describe(`fuzz: ${CASES} hostile requests (seed ${SEED})`, () => {
  const servers: RunningTollgate[] = [];
  afterAll(() => Promise.all(servers.map((server) => server.stop())));

  it('no 5xx, no crash, and no bucket charged for an operation that did not run', async () => {
    const redisUrl = inject('redisUrl');
    const env = {
      REDIS_URL: redisUrl,
      TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
      TOLLGATE_TIER_FREE_MAX_COST: String(CAPACITY),
      // Nothing refills to speak of: the bucket shows exactly what the operations kept.
      TOLLGATE_TIER_FREE_REFILL_PER_SEC: '0.001',
      // A refund that misses the Redis deadline is dropped by design; none may miss here.
      TOLLGATE_REDIS_TIMEOUT_MS: '10000',
    };
    const tollgate = await startTollgate({ redisUrl, env });
    servers.push(tollgate);
    const key = await tollgate.createKey();
    const random = createRandom(SEED);
    const cases: FuzzCase[] = Array.from({ length: CASES }, () => fuzzCase(random));
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

    const serverErrors: string[] = [];
    const statuses = new Map<number, number>();
    let kept = 0;
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const fuzz = cases[index] as FuzzCase;
        const headers = fuzz.ledger ? { ...fuzz.headers, 'x-api-key': key } : fuzz.headers;
        // Other identities from another address, so that failed keys never count against the ledger's.
        const localAddress = fuzz.ledger ? '127.0.0.1' : '127.0.0.2';
        const answer = await send(tollgate.url, { ...fuzz, headers, agent, localAddress });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500)
          serverErrors.push(`case ${index}: ${answer.status} ${answer.text.slice(0, 300)}`);
        if (fuzz.ledger) kept += keptPoints(answer);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    agent.destroy();

    expect(serverErrors).toEqual([]);
    // Some cases got through and ran, most were refused: the mutations reach both sides.
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(1000);

    const after = await postGraphQL(tollgate.url, '{ books(first: 1) { title } }', {
      headers: { 'x-api-key': key },
    });
    expect(after.status).toBe(200);
    expect(after.body.data?.books).toHaveLength(1);
    kept += keptPoints({ status: 200, headers: {}, text: '', json: after.body });

    // stop() lets pending refunds land; a second server reads the bucket as Redis holds it.
    await tollgate.stop();
    servers.pop();
    const checker = await startTollgate({ redisUrl, env });
    servers.push(checker);
    const status = await postGraphQL(checker.url, '{ rateLimit(dryRun: true) { remaining } }', {
      headers: { 'x-api-key': key },
    });
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    expect((status.body.data?.rateLimit as { remaining: number } | undefined)?.remaining).toBe(
      CAPACITY - kept,
    );
    console.log(
      `fuzz seed ${SEED}: statuses ${JSON.stringify(Object.fromEntries(statuses))}, kept ${kept} points`,
    );
  });
});
