import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCostCommand } from '../../../src/cli/cost.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const SCHEMA_DIR = new URL('../../../schema/bookstore/', import.meta.url).pathname;
const REVIEWS_COUNT = '{ book(id: "book-1") { reviews { id } } }';

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
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-query-')), 'q.graphql');
    writeFileSync(file, query);
    let stdout = '';
    const code = await runCostCommand(['--schema', SCHEMA_DIR, file, '--variables', '{"n": 7}'], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
    });
    expect(code).toBe(0);
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: JSON.parse(stdout).cost });
    expect(JSON.parse(stdout).cost).toBe(7 * (1 + 2 * 2));
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
