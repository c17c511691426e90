import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClientHint, IdentifyClient } from '../../../src/identity/identify.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// Redis may outlive a run: user ids and addresses of this run's own.
const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
const octet = Math.floor(Math.random() * 200) + 20;
let next = 0;
const address = () => `127.${octet}.200.${(next++ % 250) + 1}`;

/**
 * The app's own auth, as an owner would write it: its session token says who the user is and
 * which plan they are on; an expired one is the app's 401; no token leaves the choice to Tollgate.
 */
const identifyClient: IdentifyClient = async (request: IncomingMessage) => {
  const token = /^Bearer (app~\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined) return undefined;
  const [, user, plan] = token.split('~');
  if (user === 'expired') {
    throw new GraphQLError('Your session has expired; sign in again.', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  // The app's bug, on purpose: a hint without an id.
  if (user === 'broken') return { id: '' };
  return { id: `${run}-${user}`, ...(plan ? { tier: plan as ClientHint['tier'] } : {}) };
};
const session = (user: string, plan?: string) => ({
  authorization: `Bearer app~${user}${plan ? `~${plan}` : ''}`,
});

const PRICED = '{ books(first: 3) { title } rateLimit { remaining limit } }';
// Buckets that do not refill while a test runs, so that what remains is exact.
const NO_REFILL = Object.fromEntries(
  ['ANONYMOUS', 'FREE', 'PRO'].map((tier) => [`TOLLGATE_TIER_${tier}_REFILL_PER_SEC`, '0.001']),
);

describe("the app's identity hook", () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl'), env: NO_REFILL, identifyClient });
  });
  afterAll(() => tollgate.stop());

  it('gives two users of one address separate buckets, in the free tier by default', async () => {
    const ip = address();
    const alice = session('alice');
    await postGraphQL(tollgate.url, PRICED, { headers: alice, localAddress: ip });
    const aliceAgain = await postGraphQL(tollgate.url, PRICED, { headers: alice, localAddress: ip });
    const bob = await postGraphQL(tollgate.url, PRICED, { headers: session('bob'), localAddress: ip });

    expect(aliceAgain.headers['ratelimit-policy']).toMatch(/^"free";q=1000;/);
    expect(aliceAgain.body.data?.rateLimit).toEqual({ remaining: 994, limit: 1000 });
    expect(bob.body.data?.rateLimit).toEqual({ remaining: 997, limit: 1000 });
  });

  it("sets the tier: the pro user's bucket has the pro capacity", async () => {
    const answer = await postGraphQL(tollgate.url, PRICED, {
      headers: session('carol', 'pro'),
      localAddress: address(),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['ratelimit-policy']).toMatch(/^"pro";q=10000;/);
    expect(answer.body.extensions?.cost).toMatchObject({
      throttleStatus: { maximumAvailable: 10_000, currentlyAvailable: 9997 },
    });
  });

  it("keeps app ids apart from addresses: a user named like the address's client is not it", async () => {
    const ip = address();
    const anonymous = await postGraphQL(tollgate.url, PRICED, { localAddress: ip });
    expect(anonymous.body.data?.rateLimit).toEqual({ remaining: 497, limit: 500 });
    const lookalike = await postGraphQL(tollgate.url, PRICED, {
      headers: { authorization: `Bearer app~ip:${ip}~anonymous` },
      localAddress: ip,
    });
    expect(lookalike.body.data?.rateLimit).toEqual({ remaining: 497, limit: 500 });
  });

  it('falls back to an API key, then to the address, when it returns undefined', async () => {
    const ip = address();
    const keyed = await postGraphQL(tollgate.url, PRICED, {
      headers: { 'x-api-key': await tollgate.createKey('pro') },
      localAddress: ip,
    });
    expect(keyed.headers['ratelimit-policy']).toMatch(/^"pro";/);
    const bad = await postGraphQL(tollgate.url, PRICED, {
      headers: { 'x-api-key': 'let-me-in' },
      localAddress: ip,
    });
    expect(bad.status).toBe(401);
    const anonymous = await postGraphQL(tollgate.url, PRICED, { localAddress: ip });
    expect(anonymous.headers['ratelimit-policy']).toMatch(/^"anonymous";/);
  });

  it('wins over a key the request also carries: the app has authenticated the caller', async () => {
    const answer = await postGraphQL(tollgate.url, PRICED, {
      headers: { ...session('dave'), 'x-api-key': 'let-me-in' },
      localAddress: address(),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['ratelimit-policy']).toMatch(/^"free";/);
  });

  it("answers the app's own GraphQLError as it is: its 401, its message, nothing run", async () => {
    const answer = await postGraphQL(tollgate.url, PRICED, {
      headers: session('expired'),
      localAddress: address(),
    });
    expect(answer.status).toBe(401);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: 'Your session has expired; sign in again.',
        extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }),
      }),
    ]);
  });

  it('answers a malformed hint with 500 and logs it once, not per request', async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        await postGraphQL(tollgate.url, PRICED, { headers: session('broken'), localAddress: address() }),
      );
    }
    for (const answer of answers) {
      expect(answer.status).toBe(500);
      expect(answer.body.data).toBeUndefined();
      expect(answer.body.errors?.[0]?.message).toMatch(/identifyClient returned a hint without an id/);
    }
    const logged = tollgate.logs.filter((line) => String(line.err).includes('without an id'));
    expect(logged).toHaveLength(1);
  });
});
