import { ApolloServer } from '@apollo/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { TierConfig, TierName } from '../../../src/config/index.js';
import type { TollgateContext } from '../../../src/context.js';
import { MemoryStore } from '../../../src/limiter/memory-store.js';
import { createLogger } from '../../../src/logger.js';
import { FieldGrants } from '../../../src/plugin/field-grants.js';
import { createTollgatePlugin } from '../../../src/plugin/tollgate-plugin.js';
import { buildTollgateSchema } from '../../../src/schema/build-schema.js';

// `shelf(first: 5)` plans 5 calls of `Book.sample`, but the shelf holds 2 books: 3 grants go unused.
const built = buildTollgateSchema({
  typeDefs: `
    type Query { shelf(first: Int!): [Book!]! @listSize(slicingArguments: ["first"]) }
    type Book { title: String!, sample: String @rateLimit(max: 10, window: "60s") }`,
  resolvers: {
    Query: { shelf: () => [{ title: 'Dune' }, { title: 'Emma' }] },
    Book: { sample: (book: { title: string }) => `${book.title}…` },
  },
  defaultListSize: 10,
});
// The operation costs 5 points; a bucket of 1 cannot hold it, so measure mode runs it anyway.
const tier: TierConfig = { capacity: 1, refillPerSec: 0.001, maxCost: 100 };
const tiers: Record<TierName, TierConfig> = { anonymous: tier, free: tier, pro: tier };
const client = { id: 'ip:203.0.113.9', tier: 'anonymous' as const };
const servers: ApolloServer<TollgateContext>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

describe('measure mode, over budget', () => {
  it('runs the operation within the field windows and gives back the grants it did not use', async () => {
    const store = new MemoryStore();
    const server = new ApolloServer<TollgateContext>({
      schema: built.schema,
      plugins: [
        createTollgatePlugin({
          store,
          costModel: built.costModel,
          rateLimitRules: built.rateLimitRules,
          tiers,
          mode: 'measure',
          logger: createLogger({ level: 'silent' }),
        }),
      ],
    });
    await server.start();
    servers.push(server);
    const response = await server.executeOperation(
      { query: '{ shelf(first: 5) { title sample } }' },
      { contextValue: { client, fieldAdmission: new FieldGrants(client.id, store) } },
    );
    expect(response.body.kind === 'single' && response.body.singleResult.errors).toBeUndefined();
    // Stopping the server lands the refunds it sent after the response.
    await server.stop();
    // 2 calls ran of the 5 granted: the window holds 2, so 8 more fit, not 5.
    const window = { name: 'Book.sample', max: 10, windowMs: 60_000, count: 10 };
    const next = await store.charge({ client: client.id, bucket: null, costMilli: 0, windows: [window] });
    expect(next.windows[0]?.granted).toBe(8);
  });

  it('over its concurrency limit, tells the client its bucket as it stands, not an empty one', async () => {
    const store = new MemoryStore();
    const roomy: TierConfig = { capacity: 100, refillPerSec: 1, maxCost: 100, maxConcurrent: 1 };
    const server = new ApolloServer<TollgateContext>({
      schema: built.schema,
      plugins: [
        createTollgatePlugin({
          store,
          costModel: built.costModel,
          rateLimitRules: built.rateLimitRules,
          tiers: { anonymous: roomy, free: roomy, pro: roomy },
          mode: 'measure',
          logger: createLogger({ level: 'silent' }),
        }),
      ],
    });
    await server.start();
    servers.push(server);
    // Another operation of this client holds its one slot.
    const held = await store.charge({
      client: client.id,
      bucket: null,
      costMilli: 0,
      windows: [],
      concurrency: { max: 1, leaseMs: 60_000 },
    });
    expect(held.allowed).toBe(true);
    const response = await server.executeOperation(
      { query: '{ shelf(first: 1) { title } }' },
      { contextValue: { client, fieldAdmission: new FieldGrants(client.id, store) } },
    );
    const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
    expect(body?.errors).toBeUndefined();
    // Measure mode took nothing from the bucket: it is full.
    expect(body?.extensions?.cost).toMatchObject({ throttleStatus: { currentlyAvailable: 100 } });
  });
});
