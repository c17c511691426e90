import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseApiKey } from '../../../src/identity/api-key.js';
import { clientKeyPattern, windowKey } from '../../../src/limiter/keys.js';
import { readSchemaFolder } from '../../../src/schema/product-sdl.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const DATA = '{ data { message } }';

describe.each(['redis', 'memory'] as const)('@rateLimit on the %s store', (storeKind) => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate(storeKind === 'redis' ? { redisUrl: inject('redisUrl') } : {});
  });
  afterAll(() => tollgate.stop());

  it('serves 5 `data` calls a minute per client, then null with RATE_LIMITED; other clients go on', async () => {
    const key = await tollgate.createKey();
    const headers = { 'x-api-key': key };
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await postGraphQL(tollgate.url, DATA, { headers }));

    for (const served of answers.slice(0, 5)) {
      expect(served.status).toBe(200);
      expect(served.body.data).toEqual({ data: { message: 'Hello from Tollgate!' } });
      expect(served.body.errors).toBeUndefined();
    }
    const limited = answers[5];
    expect(limited?.status).toBe(200);
    expect(limited?.body.data).toEqual({ data: null });
    expect(limited?.body.errors).toHaveLength(1);
    const extensions = limited?.body.errors?.[0]?.extensions;
    expect(extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 5, window: '60s' });
    expect(Number.isInteger(extensions?.retryAfter)).toBe(true);
    expect(extensions?.retryAfter).toBeGreaterThanOrEqual(1);
    expect(extensions?.retryAfter).toBeLessThanOrEqual(60);
    expect(limited?.body.errors?.[0]?.path).toEqual(['data']);

    const otherKey = await postGraphQL(tollgate.url, DATA, {
      headers: { authorization: `Bearer ${await tollgate.createKey()}` },
    });
    expect(otherKey.body.data).toEqual({ data: { message: 'Hello from Tollgate!' } });
  });

  it('counts every alias: 6 aliases in one request are 5 served and 1 limited', async () => {
    const query = `{ ${['a', 'b', 'c', 'd', 'e', 'f'].map((alias) => `${alias}: data { message }`).join(' ')} }`;
    const answer = await postGraphQL(tollgate.url, query, {
      headers: { 'x-api-key': await tollgate.createKey() },
    });
    expect(answer.status).toBe(200);
    const values = Object.values(answer.body.data ?? {});
    expect(values.filter((value) => value !== null)).toHaveLength(5);
    expect(values.filter((value) => value === null)).toHaveLength(1);
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
  });

  it('counts fragments and repeated selections as the calls they make', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const query = `
      query { ...D ... on Query { again: data { message } } x: data { message } }
      fragment D on Query { data { message } }`;
    // data (fragment) + again + x = 3 calls; then 2 more fit and the third does not.
    expect(Object.values((await postGraphQL(tollgate.url, query, { headers })).body.data ?? {})).toHaveLength(
      3,
    );
    const answer = await postGraphQL(tollgate.url, query, { headers });
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
  });

  it('keys anonymous clients by IP address', async () => {
    // Each test run needs IPs of its own on the loopback net: 127.0.0.0/8 all reaches us.
    const ip = `127.${storeKind === 'redis' ? 10 : 20}.${(Date.now() >> 8) % 250}.${(Date.now() % 250) + 1}`;
    for (let i = 0; i < 5; i++) {
      expect((await postGraphQL(tollgate.url, DATA, { localAddress: ip })).body.data).not.toEqual({
        data: null,
      });
    }
    expect((await postGraphQL(tollgate.url, DATA, { localAddress: ip })).body.data).toEqual({ data: null });
    const otherIp = ip.replace(/\.\d+$/, (last) => `.${(Number(last.slice(1)) % 250) + 2}`);
    expect((await postGraphQL(tollgate.url, DATA, { localAddress: otherIp })).body.data).toEqual({
      data: { message: 'Hello from Tollgate!' },
    });
  });
});

describe('@rateLimit plans too large to price', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // Room for 101 aliases and their price: what refuses the operation must be its plan alone.
    const env = {
      TOLLGATE_MAX_ALIASES: '200',
      TOLLGATE_TIER_ANONYMOUS_CAPACITY: '100000',
      TOLLGATE_TIER_ANONYMOUS_MAX_COST: '100000',
    };
    tollgate = await startTollgate({ env });
  });
  afterAll(() => tollgate.stop());

  it("answers an operation with more distinct rate-limited calls than the plan takes 400 QUERY_TOO_COMPLEX, the client's error, not the limiter's", async () => {
    const calls = Array.from(
      { length: 101 },
      (_, i) => `l${i}: login(username: "u${i}", password: "p") { ok }`,
    );
    const answer = await postGraphQL(tollgate.url, `mutation { ${calls.join(' ')} }`);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(tollgate.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});

describe('@rateLimit under concurrency, on Redis', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl') });
  });
  afterAll(() => tollgate.stop());

  it('serves exactly 5 of 200 concurrent requests from one client', async () => {
    const headers = { 'x-api-key': await tollgate.createKey() };
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => postGraphQL(tollgate.url, DATA, { headers })),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.filter((answer) => answer.body.data?.data !== null)).toHaveLength(5);
    expect(
      answers.filter((answer) => answer.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED'),
    ).toHaveLength(195);
  });
});

describe('@rateLimit windows slide and expire', () => {
  const SHORT_WINDOW = readSchemaFolder(new URL('../../../schema/bookstore/', import.meta.url).pathname).map(
    (sdl) =>
      sdl.replace(
        'data: Data @rateLimit(max: 5, window: "60s")',
        'data: Data @rateLimit(max: 2, window: "1s")',
      ),
  );
  let tollgate: RunningTollgate;
  let redis: Redis;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), typeDefs: SHORT_WINDOW });
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await tollgate.stop();
    await redis.quit();
  });

  it('serves the client again once the window has passed, and leaves no key behind', async () => {
    const key = await tollgate.createKey();
    const headers = { 'x-api-key': key };
    const served = async () => (await postGraphQL(tollgate.url, DATA, { headers })).body.data?.data !== null;
    expect([await served(), await served(), await served()]).toEqual([true, true, false]);

    const client = `key:${parseApiKey(key)?.id}`;
    const windowTtl = await redis.pttl(windowKey(client, 'Query.data'));
    expect(windowTtl).toBeGreaterThan(0);
    expect(windowTtl).toBeLessThanOrEqual(1000);

    await sleep(1100);
    expect(await served()).toBe(true);
    await sleep(1100);
    expect(await redis.keys(clientKeyPattern(client))).toEqual([]);
  });
});
