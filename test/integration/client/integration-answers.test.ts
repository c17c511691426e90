import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  gql,
  HttpLink,
  InMemoryCache,
} from '@apollo/client';
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { ClientError, GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTollgateLink } from '../../../src/client/apollo.js';
import { createTollgateFetch } from '../../../src/client/fetch.js';
import { tollgateExchange } from '../../../src/client/urql.js';
import { type RecordingProxy, startRecordingProxy } from '../../support/recording-proxy.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// One operation may cost at most 20 points: `books(first: 30)` is too expensive whatever the bucket.
const TIERS = {
  TOLLGATE_TIER_FREE_CAPACITY: '50',
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: '50',
  TOLLGATE_TIER_FREE_MAX_COST: '20',
};
const TOO_EXPENSIVE = 'query Dear { books(first: 30) { id } }';
// `data` is limited to 5 calls a minute per client by its own @rateLimit: the 6th is refused in a 200.
const PARTLY_LIMITED = 'query Partly { data { message } books(first: 1) { id } }';

let tollgate: RunningTollgate;
let proxy: RecordingProxy;
beforeAll(async () => {
  tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env: TIERS });
  proxy = await startRecordingProxy(tollgate.url);
});
afterAll(async () => {
  await proxy?.stop();
  await tollgate?.stop();
});
beforeEach(() => {
  proxy.exchanges.length = 0;
});

const codesOf = (errors: ReadonlyArray<{ extensions?: Record<string, unknown> }> | undefined) =>
  (errors ?? []).map((error) => error.extensions?.code);

describe('Apollo Client with the Tollgate link', () => {
  const clientFor = (apiKey: string) => {
    const link = createTollgateLink({ apiKey });
    const client = new ApolloClient({
      link: ApolloLink.from([link, new HttpLink({ uri: proxy.url })]),
      cache: new InMemoryCache(),
    });
    return { link, client };
  };

  it('hands COST_ESTIMATED_TOO_EXPENSIVE to the app at once, never retried', async () => {
    const { link, client } = clientFor(await tollgate.createKey());
    const refusal = await client.query({ query: gql(TOO_EXPENSIVE) }).catch((error: unknown) => error);
    expect(CombinedGraphQLErrors.is(refusal)).toBe(true);
    expect(codesOf((refusal as CombinedGraphQLErrors).errors)).toEqual(['COST_ESTIMATED_TOO_EXPENSIVE']);
    expect(proxy.exchanges.map((exchange) => exchange.status)).toEqual([400]);
    expect(link.stats.sent).toBe(1);
  });

  it('keeps the data of a partly limited result (errorPolicy all) and does not retry it', async () => {
    const { client } = clientFor(await tollgate.createKey());
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(
        await client.query({ query: gql(PARTLY_LIMITED), fetchPolicy: 'no-cache', errorPolicy: 'all' }),
      );
    }
    const sixth = results[5];
    expect(sixth?.data).toMatchObject({ data: null, books: [{ id: expect.any(String) }] });
    expect(codesOf((sixth?.error as CombinedGraphQLErrors | undefined)?.errors)).toEqual(['RATE_LIMITED']);
    expect(proxy.exchanges.map((exchange) => exchange.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('lets the next operation through when the app unsubscribes from one still out', async () => {
    const { client } = clientFor(await tollgate.createKey());
    // A document never priced goes out alone: the gate waits for its answer, which never comes.
    const subscription = client
      .watchQuery({ query: gql('query First { books(first: 1) { id } }') })
      .subscribe(() => {});
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    subscription.unsubscribe();
    const second = await client.query({ query: gql('query Second { books(first: 2) { id } }') });
    expect(second.data).toMatchObject({ books: [{ id: expect.any(String) }, { id: expect.any(String) }] });
  });

  it("gives each operation's cost to onCost, and mutations keep it in result.extensions", async () => {
    const costs: Array<{ name: string | undefined; cost: number }> = [];
    const link = createTollgateLink({
      apiKey: await tollgate.createKey(),
      onCost: (cost, report) => costs.push({ name: report.operationName, cost: cost.actualQueryCost }),
    });
    const client = new ApolloClient({
      link: ApolloLink.from([link, new HttpLink({ uri: proxy.url })]),
      cache: new InMemoryCache(),
    });
    await client.query({ query: gql('query Three { books(first: 3) { id } }') });
    const review = await client.mutate({
      mutation: gql(
        'mutation Review { addReview(bookId: "book-1", input: { rating: 5, body: "Fine." }) { id } }',
      ),
    });
    expect(costs).toEqual([
      { name: 'Three', cost: 3 },
      { name: 'Review', cost: expect.any(Number) },
    ]);
    expect(review.extensions?.cost).toMatchObject({ requestedQueryCost: costs[1]?.cost });
  });
});

describe('urql with the Tollgate exchange', () => {
  const clientFor = (apiKey?: string) =>
    new Client({
      url: proxy.url,
      exchanges: [cacheExchange, tollgateExchange(apiKey ? { apiKey } : {}), fetchExchange],
    });

  it('sends queries as GET, as urql does by default, and they pass CSRF prevention', async () => {
    const result = await clientFor(await tollgate.createKey())
      .query('{ books(first: 2) { id } }', {})
      .toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.books).toHaveLength(2);
    expect(result.extensions?.cost).toMatchObject({ requestedQueryCost: 2, actualQueryCost: 2 });
    expect(proxy.exchanges.map((exchange) => [exchange.method, exchange.status])).toEqual([['GET', 200]]);
  });

  it('without the exchange, the same GET is refused as a possible CSRF', async () => {
    const plain = new Client({ url: proxy.url, exchanges: [cacheExchange, fetchExchange] });
    const result = await plain.query('{ books(first: 2) { id } }', {}).toPromise();
    expect(result.error?.response?.status).toBe(400);
    expect(proxy.exchanges.map((exchange) => [exchange.method, exchange.status])).toEqual([['GET', 400]]);
  });

  it('answers a bad key with 401 UNAUTHENTICATED, not a CSRF 400', async () => {
    const result = await clientFor('tg_not_a_key_at_all').query('{ books(first: 2) { id } }', {}).toPromise();
    expect(result.error?.response?.status).toBe(401);
    expect(codesOf(result.error?.graphQLErrors)).toEqual(['UNAUTHENTICATED']);
    expect(proxy.exchanges.map((exchange) => exchange.method)).toEqual(['GET']);
  });

  it('hands COST_ESTIMATED_TOO_EXPENSIVE to the app at once, never retried', async () => {
    const result = await clientFor(await tollgate.createKey())
      .query(TOO_EXPENSIVE, {})
      .toPromise();
    expect(codesOf(result.error?.graphQLErrors)).toEqual(['COST_ESTIMATED_TOO_EXPENSIVE']);
    expect(proxy.exchanges.map((exchange) => exchange.status)).toEqual([400]);
  });
});

describe('graphql-request with the paced fetch', () => {
  const clientFor = async () => {
    const fetch = createTollgateFetch({ apiKey: await tollgate.createKey() });
    return { fetch, client: new GraphQLClient(proxy.url, { fetch, errorPolicy: 'all' }) };
  };

  it('hands COST_ESTIMATED_TOO_EXPENSIVE to the app at once, never retried', async () => {
    const { fetch, client } = await clientFor();
    const refusal = await client.rawRequest(TOO_EXPENSIVE).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ClientError);
    expect((refusal as ClientError).response.status).toBe(400);
    expect(codesOf((refusal as ClientError).response.errors)).toEqual(['COST_ESTIMATED_TOO_EXPENSIVE']);
    expect(proxy.exchanges).toHaveLength(1);
    expect(fetch.stats.sent).toBe(1);
  });

  it('keeps the data of a partly limited 200: rawRequest with errorPolicy all, no throw, no retry', async () => {
    const { client } = await clientFor();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await client.rawRequest(PARTLY_LIMITED));
    const sixth = answers[5];
    expect(sixth?.status).toBe(200);
    expect(sixth?.data).toMatchObject({ data: null, books: [{ id: expect.any(String) }] });
    expect(codesOf(sixth?.errors)).toEqual(['RATE_LIMITED']);
    expect(sixth?.extensions).toMatchObject({ cost: { requestedQueryCost: expect.any(Number) } });
    expect(proxy.exchanges).toHaveLength(6);
  });
});
