import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { type RunningTollgate, spawnTollgate, startTollgate } from '../../support/tollgate.js';
import { send } from './raw-http.js';

const CAPACITY = 1_000_000;
// test/integration/hostile/slow-server.ts: `slowItems` answers after `ms` with 1 item, priced at
// `first`; every answer leaves a refund of first − 1 points pending after it.
const SLOW_SERVER = 'test/integration/hostile/slow-server.ts';
const slow = (ms: number) => JSON.stringify({ query: `{ slowItems(first: 50, ms: ${ms}) { id } }` });

const ENV = {
  TOLLGATE_TIER_FREE_CAPACITY: String(CAPACITY),
  TOLLGATE_TIER_FREE_MAX_COST: String(CAPACITY),
  // Next to nothing refills while the test runs, so the bucket shows exactly what was kept.
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: '0.001',
  // A refund that misses the Redis deadline is dropped by design: with one no call misses, a
  // missing refund can only be one the drain did not write.
  TOLLGATE_REDIS_TIMEOUT_MS: '10000',
};

/** How one request ended: its answer, or the error of its connection. */
interface Outcome {
  status?: number;
  connection?: string;
  /** min(estimate, actual): what the answer says the operation finally cost. */
  keptPoints?: number;
  error?: string;
}

function post(url: string, agent: Agent, key: string, body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'x-api-key': key,
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve({ error: error.message }));
      res.on('end', () => {
        const answer = JSON.parse(Buffer.concat(chunks).toString()) as {
          extensions?: { cost?: { requestedQueryCost: number; actualQueryCost: number } };
        };
        const cost = answer.extensions?.cost;
        resolve({
          status: res.statusCode ?? 0,
          connection: res.headers.connection,
          keptPoints: cost ? Math.min(cost.requestedQueryCost, cost.actualQueryCost) : 0,
        });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: `${error.code}: ${error.message}` }));
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SIGTERM with long requests in flight', () => {
  let checker: RunningTollgate | undefined;
  afterAll(() => checker?.stop());

  /** The points left in the key's bucket, read by another server on the same Redis. */
  async function remaining(redisUrl: string, key: string): Promise<number | undefined> {
    checker ??= await startTollgate({ redisUrl, env: ENV });
    const status = await postGraphQL(checker.url, '{ rateLimit(dryRun: true) { remaining } }', {
      headers: { 'x-api-key': key },
    });
    return (status.body.data?.rateLimit as { remaining: number } | undefined)?.remaining;
  }

  it('answers 20 in-flight 2-second requests, resets none, writes their refunds and exits 0', async () => {
    const redisUrl = inject('redisUrl');
    const key = await createKeyInRedis(redisUrl);
    const server = await spawnTollgate({ ...ENV, REDIS_URL: redisUrl }, SLOW_SERVER);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const warmUp = await post(server.url, agent, key, slow(10));
    expect(warmUp.status).toBe(200);

    // 20 requests on 20 keep-alive connections, each answered 2 s after it arrives: longer than
    // the 500 ms of grace, so all are in progress when the server stops listening.
    const inFlight = Array.from({ length: 20 }, () => post(server.url, agent, key, slow(2000)));
    await sleep(300);
    server.child.kill('SIGTERM');
    await sleep(100);
    // While it drains, a load balancer asking is told to send no more.
    const ready = await send(server.url.replace('/graphql', '/ready'), { method: 'GET' });
    const outcomes = await Promise.all(inFlight);
    const code = await exited;
    agent.destroy();

    expect(ready.status).toBe(503);
    expect(ready.json).toEqual({ status: 'draining' });
    expect(outcomes.filter((outcome) => outcome.error)).toEqual([]);
    expect(outcomes.map((outcome) => [outcome.status, outcome.connection])).toEqual(
      outcomes.map(() => [200, 'close']),
    );
    expect(code, server.output()).toBe(0);
    // Each answer kept min(estimate, actual) and no more: every refund landed before Redis closed.
    const kept = [warmUp, ...outcomes].reduce((sum, outcome) => sum + (outcome.keptPoints ?? 0), 0);
    expect(kept).toBe(21);
    expect(await remaining(redisUrl, key)).toBe(CAPACITY - kept);
  });

  it('answers a request whose head is still arriving when the server stops listening', async () => {
    const redisUrl = inject('redisUrl');
    const key = await createKeyInRedis(redisUrl);
    const server = await spawnTollgate(
      { ...ENV, REDIS_URL: redisUrl, TOLLGATE_DRAIN_GRACE_MS: '200' },
      SLOW_SERVER,
    );
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    const { port } = new URL(server.url);
    const body = slow(10);
    const head = [
      'POST /graphql HTTP/1.1',
      `host: 127.0.0.1:${port}`,
      'content-type: application/json',
      `x-api-key: ${key}`,
      `content-length: ${Buffer.byteLength(body)}`,
    ].join('\r\n');
    const socket = connect(Number(port), '127.0.0.1');
    const answer = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', (error) => resolve(`error: ${error.message}`));
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    // Half of the head before the signal; the rest after the 200 ms grace, once the listener is closed.
    socket.write(head.slice(0, 40));
    await sleep(100);
    server.child.kill('SIGTERM');
    await sleep(600);
    socket.write(`${head.slice(40)}\r\n\r\n${body}`);

    expect(await answer).toMatch(
      /^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close[\s\S]*"slowItems":\[\{"id":"1"\}\]/i,
    );
    expect(await exited, server.output()).toBe(0);
  });

  it('closes what is still running at TOLLGATE_DRAIN_TIMEOUT_MS, says how many, and exits 0', async () => {
    const redisUrl = inject('redisUrl');
    const key = await createKeyInRedis(redisUrl);
    const server = await spawnTollgate(
      { ...ENV, REDIS_URL: redisUrl, TOLLGATE_DRAIN_GRACE_MS: '100', TOLLGATE_DRAIN_TIMEOUT_MS: '500' },
      SLOW_SERVER,
    );
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    const agent = new Agent({ keepAlive: true });
    const inFlight = Array.from({ length: 3 }, () => post(server.url, agent, key, slow(5000)));
    await sleep(300);
    server.child.kill('SIGTERM');
    const outcomes = await Promise.all(inFlight);
    agent.destroy();

    expect(await exited).toBe(0);
    expect(outcomes.every((outcome) => outcome.error !== undefined)).toBe(true);
    expect(server.output()).toMatch(
      /"cut":3,"timeoutMs":500,"msg":"answers still in progress at the drain timeout were cut off"/,
    );
  });
});
