import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type TierName } from '../../../src/config/index.js';
import type { TollgateContext } from '../../../src/context.js';
import { createLogger } from '../../../src/logger.js';
import { METRIC_NAMES } from '../../../src/observe/metrics.js';
import { createTollgate, type Tollgate } from '../../../src/tollgate.js';
import { type GraphQLHttpResponse, postGraphQL } from '../../support/http-client.js';
import { temporaryKeysFile } from '../../support/tollgate.js';

const typeDefs = /* GraphQL */ `
  type Query {
    "Answers once the test lets it: an operation held in flight."
    held: Int
    quick: Int
  }
`;

/** Operations held in flight until `release()`; `arrived(n)` resolves once n of them are running. */
function createLatch() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let running = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    async hold(): Promise<number> {
      running += 1;
      for (const waiter of waiters.filter((w) => w.count <= running)) waiter.resolve();
      await released;
      return 1;
    },
    arrived: (count: number) =>
      new Promise<void>((resolve) => {
        if (running >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    release: () => release(),
  };
}

describe('load shedding inside the app’s own Apollo Server (createTollgate)', () => {
  const latch = createLatch();
  let tollgate: Tollgate;
  let apollo: ApolloServer<TollgateContext>;
  let url: string;
  beforeAll(async () => {
    tollgate = await createTollgate({
      typeDefs,
      resolvers: { Query: { held: () => latch.hold(), quick: () => 1 } },
      config: loadConfig({
        TOLLGATE_KEYS_FILE: temporaryKeysFile(),
        TOLLGATE_SHED: 'true',
        TOLLGATE_SHED_MAX_IN_FLIGHT: '2',
        TOLLGATE_SHED_EVENT_LOOP_DELAY_MS: '0',
        TOLLGATE_SHED_COOL_DOWN_MS: '300',
      }),
      logger: createLogger({ destination: new PassThrough() }),
      // The app's own identity: its users' tiers, by a header of the test's.
      identifyClient: (request) => {
        const tier = request.headers['x-tier'] as TierName;
        return { id: `user-${tier}`, tier };
      },
    });
    apollo = new ApolloServer<TollgateContext>({ ...tollgate.apolloConfig });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: ({ req }) => tollgate.context(req),
    }));
  });
  afterAll(async () => {
    latch.release();
    await apollo?.stop();
  });

  const ask = (tier: TierName, query = '{ quick }') =>
    postGraphQL(url, query, { headers: { 'x-tier': tier } });
  const counted = async (outcome: string, tier: TierName) =>
    (await tollgate.registry.getSingleMetric(METRIC_NAMES.operations)?.get())?.values.find(
      (value) => value.labels.outcome === outcome && value.labels.tier === tier,
    )?.value;
  const level = async () =>
    (await tollgate.registry.getSingleMetric(METRIC_NAMES.sheddingLevel)?.get())?.values[0]?.value;

  const expectShed = (answer: GraphQLHttpResponse, tier: TierName) => {
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVER_OVERLOADED',
      reason: 'LOAD_SHED',
      tier,
      retryAfter: 1,
    });
  };

  it('sheds anonymous at the mark, free at twice it, never pro, charges nothing shed, and stops when the load does', async () => {
    const held: Array<Promise<GraphQLHttpResponse>> = [ask('pro', '{ held }'), ask('pro', '{ held }')];
    await latch.arrived(2);
    expectShed(await ask('anonymous'), 'anonymous');
    expect((await ask('free')).status).toBe(200);

    held.push(ask('pro', '{ held }'), ask('pro', '{ held }'));
    await latch.arrived(4);
    expectShed(await ask('anonymous'), 'anonymous');
    expectShed(await ask('free'), 'free');
    const pro = await ask('pro');
    expect(pro.status).toBe(200);
    expect(pro.body.data).toEqual({ quick: 1 });

    // Shed before pricing: counted as shed, never priced, charged or served.
    expect(await counted('shed', 'anonymous')).toBe(2);
    expect(await counted('shed', 'free')).toBe(1);
    expect(await counted('served', 'anonymous')).toBe(0);

    latch.release();
    for (const answer of await Promise.all(held)) expect(answer.body.data).toEqual({ held: 1 });
    while ((await level()) !== 0) await sleep(50);
    const after = await ask('anonymous');
    expect(after.status).toBe(200);
    expect(after.body.data).toEqual({ quick: 1 });
  });
});

/** Keeps this process's event loop busy for `ms` (the server runs in it): more work than it can do. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

describe('load shedding on event-loop delay', () => {
  let tollgate: Tollgate;
  let apollo: ApolloServer<TollgateContext>;
  let url: string;
  beforeAll(async () => {
    tollgate = await createTollgate({
      typeDefs,
      resolvers: { Query: { held: () => 1, quick: () => 1 } },
      config: loadConfig({
        TOLLGATE_KEYS_FILE: temporaryKeysFile(),
        TOLLGATE_SHED: 'true',
        TOLLGATE_SHED_COOL_DOWN_MS: '300',
      }),
      logger: createLogger({ destination: new PassThrough() }),
      identifyClient: (request) => {
        const tier = request.headers['x-tier'] as TierName;
        return { id: `user-${tier}`, tier };
      },
    });
    apollo = new ApolloServer<TollgateContext>({ ...tollgate.apolloConfig });
    ({ url } = await startStandaloneServer(apollo, {
      listen: { port: 0, host: '127.0.0.1' },
      context: ({ req }) => tollgate.context(req),
    }));
  });
  afterAll(async () => {
    await apollo?.stop();
  });

  const ask = (tier: TierName) => postGraphQL(url, '{ quick }', { headers: { 'x-tier': tier } });
  const level = async () =>
    (await tollgate.registry.getSingleMetric(METRIC_NAMES.sheddingLevel)?.get())?.values[0]?.value ?? 0;

  it('sheds anonymous while the loop is kept busy (default mark, 50 ms), serves pro, and stops after', async () => {
    // Busy turns of 200 ms with a breath between them, until a sample sees it.
    while ((await level()) < 1) {
      stall(200);
      await sleep(1);
    }
    const delay = (await tollgate.registry.getSingleMetric(METRIC_NAMES.eventLoopDelay)?.get())?.values[0];
    expect(delay?.value).toBeGreaterThanOrEqual(0.05);
    const shed = await ask('anonymous');
    expect(shed.status).toBe(503);
    expect(shed.body.errors?.[0]?.extensions).toMatchObject({
      code: 'SERVER_OVERLOADED',
      reason: 'LOAD_SHED',
    });
    expect((await ask('pro')).status).toBe(200);

    while ((await level()) !== 0) await sleep(50);
    expect((await ask('anonymous')).status).toBe(200);
  });
});
