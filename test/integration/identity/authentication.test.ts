import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// Each test comes from an address of its own on the loopback net, so failures do not mix.
let nextAddress = 1;
const address = () => `127.77.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;

describe('authentication', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      env: { TOLLGATE_AUTH_FAILURES_MAX: '3', TOLLGATE_AUTH_FAILURES_WINDOW: '1m' },
    });
  });
  afterAll(() => tollgate.stop());

  it('serves a missing key anonymously, in the anonymous tier', async () => {
    const answer = await postGraphQL(tollgate.url, '{ rateLimit { limit } }', { localAddress: address() });
    expect(answer.status).toBe(200);
    expect(answer.headers['ratelimit-policy']).toMatch(/^"anonymous";/);
  });

  it.each([
    ['an unknown key', { 'x-api-key': `tg_abcdefghij_${'A'.repeat(43)}` }],
    ['a malformed key', { 'x-api-key': 'let-me-in' }],
    ['a malformed bearer key', { authorization: 'Bearer tg_let-me-in' }],
  ])('refuses %s with 401 UNAUTHENTICATED, and runs nothing', async (_, headers) => {
    const answer = await postGraphQL(
      tollgate.url,
      'mutation { login(username: "alice", password: "wonderland") { ok } }',
      {
        headers,
        localAddress: address(),
      },
    );
    expect(answer.status).toBe(401);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    ]);
  });

  it('refuses a revoked key, and a key whose secret is wrong', async () => {
    const key = await tollgate.createKey();
    const wrongSecret = `${key.slice(0, -4)}AAAA`;
    const ip = address();
    expect(
      (
        await postGraphQL(tollgate.url, '{ rateLimit { cost } }', {
          headers: { 'x-api-key': wrongSecret },
          localAddress: ip,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await postGraphQL(tollgate.url, '{ rateLimit { cost } }', {
          headers: { 'x-api-key': key },
          localAddress: ip,
        })
      ).status,
    ).toBe(200);
  });

  it('after N failed keys from one address, checks there only keys already served from it', async () => {
    const regular = await tollgate.createKey();
    const newcomer = await tollgate.createKey();
    const shared = address();
    const ask = (key: string, localAddress = shared) =>
      postGraphQL(tollgate.url, '{ rateLimit { cost } }', { headers: { 'x-api-key': key }, localAddress });
    expect((await ask(regular)).status).toBe(200);
    // Malformed keys cost no lookup and are not counted.
    for (let i = 0; i < 10; i++) expect((await ask('not-a-key')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await ask(`tg_guessguess_${String(i).repeat(43)}`)).status).toBe(401);

    const blocked = await ask(`tg_guessguess_${'9'.repeat(43)}`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'AUTH_FAILURES',
    });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(50);
    // The key in use at that address goes on; a key new to it waits, like any guess.
    expect((await ask(regular)).status).toBe(200);
    expect((await ask(newcomer)).status).toBe(429);
    expect((await ask(newcomer, address())).status).toBe(200);
  });

  it('never writes a key secret into a log line or an error', async () => {
    const key = await tollgate.createKey();
    const secret = key.split('_').at(-1) as string;
    const wrong = `${key.slice(0, -6)}zzzzzz`;
    const answers = await Promise.all([
      postGraphQL(tollgate.url, '{ books(first: 600) { id } }', { headers: { 'x-api-key': key } }),
      postGraphQL(tollgate.url, '{ nope }', { headers: { authorization: `Bearer ${key}` } }),
      postGraphQL(tollgate.url, '{ rateLimit { cost } }', {
        headers: { 'x-api-key': wrong },
        localAddress: address(),
      }),
      postGraphQL(tollgate.url, '{ rateLimit { cost } }', {
        headers: { 'x-api-key': 'not-a-key-secret-value' },
        localAddress: address(),
      }),
    ]);
    const everything = JSON.stringify(tollgate.logs) + JSON.stringify(answers.map((answer) => answer.body));
    expect(tollgate.logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(wrong.split('_').at(-1));
    expect(everything).not.toContain('not-a-key-secret-value');
  });
});
