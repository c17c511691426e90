import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  exchangesByOperation,
  type RecordingProxy,
  startRecordingProxy,
} from '../../support/recording-proxy.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const run = promisify(execFile);
const PROJECT_ROOT = new URL('../../../', import.meta.url).pathname;

// The README's programs, one per client library: each asks for 200 pages of 4, 3, 2, 1 books
// (4, 3, 2, 1 points) at once, 500 points in all, and prints a summary line.
const PROGRAMS = [
  { library: 'Apollo Client', file: 'client-apollo.js' },
  { library: 'urql', file: 'client-urql.js' },
  { library: 'graphql-request', file: 'client-graphql-request.js' },
];
const OPERATIONS = 200;
const TOTAL_COST = 500;

// `free` keys: a bucket of 50 points (about 20 of the pages) restored at 35 a second, so the 200
// pages need (500 − 50) / 35 ≈ 12.9 s. `pro` keys, for the throttling tests: 50 points at 100 a second.
const CAPACITY = 50;
const FREE_REFILL_PER_SEC = 35;
const TIERS = {
  TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: String(FREE_REFILL_PER_SEC),
  TOLLGATE_TIER_FREE_MAX_COST: String(CAPACITY),
  TOLLGATE_TIER_PRO_CAPACITY: String(CAPACITY),
  TOLLGATE_TIER_PRO_REFILL_PER_SEC: '100',
  TOLLGATE_TIER_PRO_MAX_COST: String(CAPACITY),
};

interface Summary {
  pages: number;
  spent: number;
  errors?: number;
  throttled: number;
  sent: number;
}

/** Runs one of the README's programs as an app would (`node file.js`), against `url` with `apiKey`. */
async function runProgram(file: string, url: string, apiKey: string): Promise<Summary> {
  const { stdout } = await run(process.execPath, [`test/external/app/${file}`], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, TOLLGATE_URL: url, TOLLGATE_API_KEY: apiKey },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

let tollgate: RunningTollgate;
let proxy: RecordingProxy;
beforeAll(async () => {
  tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env: TIERS });
  proxy = await startRecordingProxy(tollgate.url);
  // The server's first answers are slow (nothing compiled or cached yet): that is not the client's
  // doing, and the timing bound below is the client's.
  const warmUp = await tollgate.createKey('pro');
  for (let i = 0; i < 20; i++) {
    await fetch(tollgate.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': warmUp },
      body: JSON.stringify({ query: '{ books(first: 1, offset: 1) { id title } }' }),
    }).then((response) => response.text());
  }
});
afterAll(async () => {
  await proxy?.stop();
  await tollgate?.stop();
});

describe.each(PROGRAMS)('$library with its Tollgate integration, as the README sets it up', ({ file }) => {
  it('sends 200 operations of mixed cost through a bucket of about 20 with no 429, as fast as the refill allows', async () => {
    proxy.exchanges.length = 0;
    const summary = await runProgram(file, proxy.url, await tollgate.createKey('free'));

    // Every page reached the program, at its price, and nothing was ever refused.
    expect(summary).toMatchObject({ pages: OPERATIONS, spent: TOTAL_COST, throttled: 0, sent: OPERATIONS });
    expect(summary.errors ?? 0).toBe(0);
    const seen = proxy.exchanges;
    expect(seen).toHaveLength(OPERATIONS);
    expect(seen.filter((exchange) => exchange.status !== 200)).toEqual([]);
    // urql sends queries as GET: the documented setup gets them past CSRF prevention.
    if (file === 'client-urql.js')
      expect(new Set(seen.map((exchange) => exchange.method))).toEqual(new Set(['GET']));

    // From the server's side: the bucket makes anything faster impossible (all but the first full
    // bucket must be restored); pacing costs at most 15% on top.
    const idealMs = ((TOTAL_COST - CAPACITY) / FREE_REFILL_PER_SEC) * 1000;
    const firstArrivalMs = Math.min(...seen.map((exchange) => exchange.arrivedAtMs));
    const lastAnswerMs = Math.max(...seen.map((exchange) => exchange.answeredAtMs));
    const elapsedMs = lastAnswerMs - firstArrivalMs;
    // Clocks in whole milliseconds: 1 ms of rounding.
    expect(elapsedMs).toBeGreaterThanOrEqual(idealMs - 1);
    expect(elapsedMs).toBeLessThanOrEqual(idealMs * 1.15);
  }, 60_000);

  it('with another client draining the same key, gets every operation served and never retries before Retry-After', async () => {
    proxy.exchanges.length = 0;
    const key = await tollgate.createKey('pro');
    const draining = drain(tollgate.url, key);
    let summary: Summary;
    try {
      summary = await runProgram(file, proxy.url, key);
    } finally {
      draining.stop();
    }
    await draining.done;
    expect(draining.served()).toBeGreaterThan(0);
    expect(summary).toMatchObject({ pages: OPERATIONS, spent: TOTAL_COST });
    expect(summary.errors ?? 0).toBe(0);

    // From the server's side: each operation was answered 200 in the end, after 429s only; the
    // drain made the server refuse some; and every retry arrived no sooner than the Retry-After
    // of the 429 before it allowed.
    const operations = exchangesByOperation(proxy.exchanges);
    expect(operations).toHaveLength(OPERATIONS);
    const refusals = proxy.exchanges.filter((exchange) => exchange.status === 429);
    expect(refusals.length).toBeGreaterThan(0);
    expect(summary.throttled).toBe(refusals.length);
    for (const attempts of operations) {
      expect(attempts.map((attempt) => attempt.status)).toEqual([...attempts.slice(1).map(() => 429), 200]);
      for (let i = 1; i < attempts.length; i++) {
        const refused = attempts[i - 1];
        const retry = attempts[i];
        if (!refused || !retry) continue;
        expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1);
        expect(retry.arrivedAtMs - refused.answeredAtMs).toBeGreaterThanOrEqual(
          (refused.retryAfterSec ?? 0) * 1000,
        );
      }
    }
  }, 60_000);
});

/**
 * Another client on the same key, straight to the server, that empties the bucket every 250 ms:
 * it asks for the whole bucket, and when refused asks at once for exactly what the refusal says is
 * left. Whatever the paced client expected to find, it finds nothing: the server must refuse it.
 */
function drain(url: string, apiKey: string): { stop(): void; done: Promise<void>; served(): number } {
  let stopped = false;
  let served = 0;
  const done = (async () => {
    let ask = CAPACITY;
    while (!stopped) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({ query: `{ books(first: ${ask}) { id } }` }),
      });
      const body = (await response.json()) as { errors?: Array<{ extensions?: { available?: number } }> };
      if (response.status === 200) {
        served++;
        ask = CAPACITY;
        await new Promise((resolve) => setTimeout(resolve, 250));
      } else {
        ask = Math.max(1, body.errors?.[0]?.extensions?.available ?? 1);
      }
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
    done,
    served: () => served,
  };
}
