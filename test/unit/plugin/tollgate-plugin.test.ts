import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { afterEach, describe, expect, it } from 'vitest';
import type { TierConfig, TierName } from '../../../src/config/index.js';
import type { TollgateContext } from '../../../src/context.js';
import { createCostModel } from '../../../src/cost/index.js';
import { MemoryStore } from '../../../src/limiter/memory-store.js';
import { type ChargeRequest, type RefundRequest, StoreUnavailableError } from '../../../src/limiter/store.js';
import { createLogger } from '../../../src/logger.js';
import type { OperationEvent } from '../../../src/observe/events.js';
import { FieldGrants } from '../../../src/plugin/field-grants.js';
import { createTollgatePlugin, type TollgatePluginOptions } from '../../../src/plugin/tollgate-plugin.js';

const schema = makeExecutableSchema({
  typeDefs: 'type Query { book: Book, missingBook: Book } type Book { title: String }',
  resolvers: { Query: { book: () => ({ title: 'Dune' }), missingBook: () => null } },
});
// `{ book { title } }` costs 1 point: a bucket of 2 serves it twice, then refuses.
const tier: TierConfig = { capacity: 2, refillPerSec: 0.001, maxCost: 2 };
const tiers: Record<TierName, TierConfig> = { anonymous: tier, free: tier, pro: tier };
const client = { id: 'ip:203.0.113.7', tier: 'anonymous' as const };

/** A memory store that records its calls and can fail its charges or hold its refunds. */
class ScriptedStore extends MemoryStore {
  readonly calls: string[] = [];
  chargeFails: Error | null = null;
  private releaseRefunds: () => void = () => {};
  private readonly refundsHeld = new Promise<void>((resolve) => {
    this.releaseRefunds = resolve;
  });

  override async charge(request: ChargeRequest) {
    this.calls.push('charge');
    if (this.chargeFails) throw this.chargeFails;
    return super.charge(request);
  }

  override async refund(request: RefundRequest) {
    this.calls.push('refund sent');
    await this.refundsHeld;
    await super.refund(request);
    this.calls.push('refund landed');
  }

  landRefunds(): void {
    this.releaseRefunds();
  }
}

const servers: ApolloServer<TollgateContext>[] = [];

async function startServer(store: ScriptedStore, options: Partial<TollgatePluginOptions> = {}) {
  const events: OperationEvent[] = [];
  const plugin = createTollgatePlugin({
    store,
    costModel: createCostModel(schema, { defaultListSize: 10 }),
    rateLimitRules: new Map(),
    tiers,
    logger: createLogger({ level: 'silent' }),
    events: { operation: (event) => events.push(event) },
    ...options,
  });
  const server = new ApolloServer<TollgateContext>({ schema, plugins: [plugin] });
  await server.start();
  servers.push(server);
  const run = (query: string) =>
    server.executeOperation(
      { query },
      { contextValue: { client, fieldAdmission: new FieldGrants(client.id, store) } },
    );
  return { server, events, run };
}

function singleResult(response: Awaited<ReturnType<ApolloServer<TollgateContext>['executeOperation']>>) {
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult;
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

describe('the Tollgate plugin', () => {
  it('calls onServerStop once, after the refunds in flight have landed', async () => {
    const store = new ScriptedStore();
    const { server, run } = await startServer(store, {
      onServerStop: async () => {
        store.calls.push('onServerStop');
      },
    });
    // No book: the operation costs less than its estimate, so a refund is sent after the answer.
    const response = await run('{ missingBook { title } }');
    expect(singleResult(response).errors).toBeUndefined();
    expect(store.calls).toEqual(['charge', 'refund sent']);

    const stopped = server.stop();
    servers.splice(servers.indexOf(server), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.calls).not.toContain('onServerStop');
    store.landRefunds();
    await stopped;
    expect(store.calls).toEqual(['charge', 'refund sent', 'refund landed', 'onServerStop']);
  });

  it('answers a bucket that cannot hold the price with 429 and Retry-After, after one store call', async () => {
    const store = new ScriptedStore();
    store.landRefunds();
    const { events, run } = await startServer(store);
    await run('{ book { title } }');
    await run('{ book { title } }');
    store.calls.length = 0;

    const refused = await run('{ book { title } }');
    expect(store.calls).toEqual(['charge']);
    expect(refused.http.status).toBe(429);
    expect(Number(refused.http.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.http.headers.get('ratelimit')).toMatch(/^"anonymous";r=0;t=\d+$/);
    const result = singleResult(refused);
    expect(result.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(result.extensions?.cost).toMatchObject({ requestedQueryCost: 1, actualQueryCost: 0 });
    expect(events.at(-1)).toMatchObject({ outcome: 'throttled', estimatedCost: 1, actualCost: 0 });
    expect(events.at(-1)?.retryAfterSec).toBeGreaterThan(0);
  });

  it('answers a store that cannot decide with 503 and its Retry-After, and no RateLimit headers', async () => {
    const store = new ScriptedStore();
    store.chargeFails = new StoreUnavailableError('redis is down', 7);
    const { events, run } = await startServer(store);

    const refused = await run('{ book { title } }');
    expect(refused.http.status).toBe(503);
    expect(refused.http.headers.get('retry-after')).toBe('7');
    expect(refused.http.headers.has('ratelimit')).toBe(false);
    expect(singleResult(refused).errors?.[0]?.extensions?.code).toBe('RATE_LIMITER_UNAVAILABLE');
    expect(events).toEqual([
      {
        outcome: 'unavailable',
        tier: 'anonymous',
        client: client.id,
        estimatedCost: 1,
        actualCost: 0,
        retryAfterSec: 7,
      },
    ]);
  });
});
