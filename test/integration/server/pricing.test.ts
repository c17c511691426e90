import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCostCommand } from '../../../src/cli/cost.js';
import { loadConfig } from '../../../src/config/index.js';
import { CostDirectiveError } from '../../../src/cost/index.js';
import { createLogger } from '../../../src/logger.js';
import { createTollgateServer, type TollgateServer } from '../../../src/serve/create-server.js';
import { describeStartupFailure } from '../../../src/serve/startup-failure.js';
import { createTollgate, type TollgateOptions } from '../../../src/tollgate.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const SCHEMA_DIR = new URL('../../../schema/bookstore/', import.meta.url).pathname;
const REVIEWS_COUNT = '{ book(id: "book-1") { reviews { id } } }';
const FORMS_FILE = new URL('../../fixtures/cost/list-size-forms.graphql', import.meta.url).pathname;

/** `npm run cost` on `query` against the SDL at `schemaPath`: the price it prints. */
async function costCommandPrice(schemaPath: string, query: string, variables: unknown): Promise<number> {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-query-')), 'q.graphql');
  writeFileSync(file, query);
  let stdout = '';
  const code = await runCostCommand(
    ['--schema', schemaPath, file, '--variables', JSON.stringify(variables)],
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
    },
  );
  expect(code).toBe(0);
  return JSON.parse(stdout).cost;
}

/** Tollgate for an app of the test's own (SDL and resolvers), on the memory store, logs kept quiet. */
function buildTollgate(typeDefs: TollgateOptions['typeDefs'], resolvers: TollgateOptions['resolvers']) {
  return createTollgate({
    typeDefs,
    resolvers,
    config: loadConfig({
      TOLLGATE_KEYS_FILE: join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'keys.json'),
    }),
    logger: createLogger({ destination: new PassThrough() }),
  });
}

describe('pricing in the request pipeline', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ env: { TOLLGATE_TIER_FREE_MAX_COST: '120' } });
  });
  afterAll(() => tollgate.stop());

  it('prices list sizes from the variables: first 5 and first 50 cost differently, as the model says', async () => {
    const query = 'query ($n: Int!) { books(first: $n) { title author { name } } }';
    const headers = { 'x-api-key': await tollgate.createKey() };
    const five = await postGraphQL(tollgate.url, query, { variables: { n: 5 }, headers });
    const fifty = await postGraphQL(tollgate.url, query, { variables: { n: 50 }, headers });
    // n books × (Book 1 + Author 1)
    expect(five.body.extensions?.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
    expect(fifty.body.extensions?.cost).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 100 });
  });

  it('reports an actual cost below the estimate when lists come back short, equal when full', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    // Books 500..496 have 5, 4, 3, 2 and 1 reviews: asking 3 each gets 3+3+3+2+1 = 12.
    const short = await postGraphQL(tollgate.url, '{ books(first: 5) { id reviews(first: 3) { id } } }', {
      headers,
    });
    expect(short.body.extensions?.cost).toMatchObject({ requestedQueryCost: 20, actualQueryCost: 17 });
    const full = await postGraphQL(tollgate.url, '{ books(first: 3) { id reviews(first: 3) { id } } }', {
      headers,
    });
    expect(full.body.extensions?.cost).toMatchObject({ requestedQueryCost: 12, actualQueryCost: 12 });
  });

  it('refuses an operation over the maximum with 400, and no resolver runs', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const before = await postGraphQL(tollgate.url, REVIEWS_COUNT, { headers });
    const mutation = `mutation { ${Array.from({ length: 20 }, (_, i) => `r${i}: addReview(bookId: "book-1", input: { rating: 5, body: "x" }) { id }`).join(' ')} }`;
    const refused = await postGraphQL(tollgate.url, mutation, { headers });
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'COST_ESTIMATED_TOO_EXPENSIVE',
      // base 10 + 20 × (addReview's @cost 5 + the input object argument 1)
      'cost.estimated': 10 + 20 * 6,
      'cost.max': 120,
    });
    const after = await postGraphQL(tollgate.url, REVIEWS_COUNT, { headers });
    expect(after.body.data).toEqual(before.body.data);
  });

  it('answers a slicing argument that is negative with a coded 400', async () => {
    const answer = await postGraphQL(tollgate.url, '{ books(first: -1) { id } }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('COST_INVALID_SLICING_ARGUMENT');
  });

  it('agrees with `npm run cost` on the same query', async () => {
    const query =
      'query Q($n: Int!) { books(first: $n) { title reviews(first: 2) { body book { title } } } }';
    const answer = await postGraphQL(tollgate.url, query, {
      variables: { n: 7 },
      headers: { 'x-api-key': await tollgate.createKey() },
    });
    const printed = await costCommandPrice(SCHEMA_DIR, query, { n: 7 });
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: printed });
    expect(printed).toBe(7 * (1 + 2 * 2));
  });
});

describe('measure mode', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      env: { TOLLGATE_COST_MODE: 'measure', TOLLGATE_TIER_FREE_MAX_COST: '50' },
    });
  });
  afterAll(() => tollgate.stop());

  it('runs an operation over the maximum, reports its cost, and logs the overrun', async () => {
    const answer = await postGraphQL(tollgate.url, '{ books(first: 80) { id } }', {
      headers: { 'x-api-key': await tollgate.createKey() },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data?.books).toHaveLength(80);
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: 80 });
    expect(tollgate.logs).toContainEqual(
      expect.objectContaining({ reason: 'too_expensive', cost: 80, max: 50, tier: 'free', enforce: false }),
    );
  });
});

describe("Apollo Router 2.12's @listSize forms on a running server", () => {
  // test/fixtures/cost/list-size-forms.graphql, with a rate limit on Item.detail. The resolvers
  // return what was asked for, except ids starting with "gone", which are not found.
  const sdl = readFileSync(FORMS_FILE, 'utf8').replace(
    'detail: Detail',
    'detail: Detail @rateLimit(max: 5, window: "60s")',
  );
  const items = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `i${i}` }));
  const resolvers = {
    Query: {
      itemsByIds: (_: unknown, args: { ids?: string[] | null }) =>
        (args.ids ?? ['a', 'b', 'c', 'd']).filter((id) => !id.startsWith('gone')).map((id) => ({ id })),
      search: (_: unknown, args: { input?: { pagination?: { first?: number | null } | null } | null }) =>
        items(args.input?.pagination?.first ?? 10),
      shelf: (_: unknown, args: { first?: number | null }) => ({ first: args.first ?? 10 }),
    },
    Shelf: { sections: (shelf: { first: number }) => shelf, items: () => items(10) },
    Section: { items: (section: { first: number }) => items(section.first) },
    Item: { detail: (item: { id: string }) => ({ text: `about ${item.id}` }) },
  };
  const query = `query($ids: [ID!], $n: Int) {
    itemsByIds(ids: $ids) { id }
    search(input: { pagination: { first: $n } }) { id }
    shelf(first: 4) { sections { items { id } } }
  }`;
  let server: TollgateServer;
  let url: string;
  beforeAll(async () => {
    server = await createTollgateServer({ tollgate: await buildTollgate(sdl, resolvers) });
    url = (await server.listen(0, '127.0.0.1')).replace('localhost', '127.0.0.1');
  });
  afterAll(() => server.stop());

  it('starts, and prices as `npm run cost` does: estimate from the arguments, actual from the response', async () => {
    const variables = { ids: ['a', 'b', 'gone-1'], n: 5 };
    const answer = await postGraphQL(url, query, { variables });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    // 3 ids; 5 items + SearchInput + Pagination; Shelf + Section + 4 items. One id is not found.
    expect(answer.body.extensions?.cost).toMatchObject({
      requestedQueryCost: 3 + 7 + 6,
      actualQueryCost: 2 + 7 + 6,
    });
    expect(await costCommandPrice(FORMS_FILE, query, variables)).toBe(3 + 7 + 6);
  });

  it('falls back to assumedSize and the default list size when the values are null', async () => {
    const answer = await postGraphQL(url, query, { variables: { ids: null, n: null } });
    // assumedSize 4; the default list size 10 + the two input objects; the shelf as before.
    expect(answer.body.extensions?.cost).toMatchObject({
      requestedQueryCost: 4 + 12 + 6,
      actualQueryCost: 4 + 12 + 6,
    });
  });

  it('limits a rate-limited field below a list sized by a list argument, call by call', async () => {
    const details = '{ itemsByIds(ids: ["a", "b", "c"]) { detail { text } } }';
    const first = await postGraphQL(url, details);
    const second = await postGraphQL(url, details);
    const served = (answer: typeof first) =>
      ((answer.body.data?.itemsByIds ?? []) as { detail: unknown }[]).filter((item) => item.detail !== null)
        .length;
    // Item.detail allows 5 a minute: 3, then 2 and one RATE_LIMITED.
    expect(served(first)).toBe(3);
    expect(served(second)).toBe(2);
    expect(second.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
  });

  it('stops start-up on a malformed path with one line naming the field and the path', async () => {
    const bad = sdl.replace(
      'slicingArguments: ["input.pagination.first"], requireOne',
      'slicingArguments: ["input.nope"], requireOne',
    );
    const failure = await buildTollgate(bad, resolvers).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CostDirectiveError);
    expect(describeStartupFailure(failure)).toBe(
      '@listSize on Query.search: slicing argument "input.nope": input SearchInput has no field "nope"',
    );
  });
});
