import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// An anonymous bucket far too small for the introspection query as priced by the cost model
// (16,424 points with the default list size 10, measured): any charge at all would show.
const SMALL_ANONYMOUS_BUCKET = {
  TOLLGATE_TIER_ANONYMOUS_CAPACITY: '50',
  TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '1',
};
// Sandbox polls every 5 s or so: an hour of polling, without the hour.
const POLLS_IN_AN_HOUR = 720;
// What Sandbox's schema poll asks (it sends the extended introspection query).
const SANDBOX_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  inputValueDeprecation: true,
  schemaDescription: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
});

// A loopback address of its own for each run: the anonymous bucket is keyed by IP, and Redis outlives runs.
function freshLoopbackAddress(): string {
  const n = Date.now();
  return `127.70.${(n >> 8) % 250}.${(n % 250) + 1}`;
}

describe('an explorer left open for an hour', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env: SMALL_ANONYMOUS_BUCKET });
  });
  afterAll(() => tollgate.stop());

  it('polls the schema 720 times without spending a point, then runs its query unthrottled', async () => {
    // Sandbox sends the API-key header it was given, empty until the developer fills it in.
    const options = { localAddress: freshLoopbackAddress(), headers: { 'x-api-key': '' } };
    const statuses = new Map<number, number>();
    let concurrent: Array<Promise<void>> = [];
    for (let i = 0; i < POLLS_IN_AN_HOUR; i++) {
      concurrent.push(
        postGraphQL(tollgate.url, SANDBOX_INTROSPECTION, {
          ...options,
          operationName: 'IntrospectionQuery',
        }).then((poll) => {
          statuses.set(poll.status, (statuses.get(poll.status) ?? 0) + 1);
          expect(poll.body.data).toHaveProperty('__schema.queryType.name', 'Query');
          expect(poll.body.extensions?.cost).toEqual({
            requestedQueryCost: 0,
            actualQueryCost: 0,
            throttleStatus: { maximumAvailable: 50, currentlyAvailable: 50, restoreRate: 1 },
          });
        }),
      );
      if (concurrent.length === 8) {
        await Promise.all(concurrent);
        concurrent = [];
      }
    }
    await Promise.all(concurrent);
    expect(Object.fromEntries(statuses)).toEqual({ 200: POLLS_IN_AN_HOUR });

    const query = await postGraphQL(tollgate.url, '{ books(first: 5) { title } }', options);
    expect(query.status).toBe(200);
    expect(query.body.data?.books).toHaveLength(5);
    // Sandbox shows this under the response's extensions: the price, and the bucket after it.
    expect(query.body.extensions?.cost).toEqual({
      requestedQueryCost: 5,
      actualQueryCost: 5,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: 45, restoreRate: 1 },
    });
    expect(query.headers.ratelimit).toBe('"anonymous";r=45;t=5');
  });

  it('still prices an operation that mixes introspection with data', async () => {
    const options = { localAddress: freshLoopbackAddress() };
    const mixed = await postGraphQL(
      tollgate.url,
      '{ __type(name: "Book") { name } books(first: 3) { title } }',
      options,
    );
    expect(mixed.status).toBe(200);
    expect(mixed.body.extensions?.cost).toMatchObject({ requestedQueryCost: 4 });
  });
});
