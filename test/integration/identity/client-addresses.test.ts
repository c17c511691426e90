import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const DATA = '{ data { message } }';
/** Calls `data` (5 a minute per client) and tells whether it was served. */
async function served(url: string, options: Parameters<typeof postGraphQL>[2]): Promise<boolean> {
  return (await postGraphQL(url, DATA, options)).body.data?.data != null;
}
const unique = (prefix: string) => `${prefix}${Date.now() % 200}.${Math.floor(Math.random() * 250) + 1}`;

describe('client addresses without trusted proxies', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(() => tollgate.stop());

  it('ignores a spoofed X-Forwarded-For: the peer is the client', async () => {
    const peer = unique('127.91.');
    for (let i = 0; i < 5; i++) {
      expect(
        await served(tollgate.url, { localAddress: peer, headers: { 'x-forwarded-for': `198.51.100.${i}` } }),
      ).toBe(true);
    }
    expect(
      await served(tollgate.url, { localAddress: peer, headers: { 'x-forwarded-for': '198.51.100.99' } }),
    ).toBe(false);
  });
});

describe('client addresses behind a trusted proxy', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ env: { TOLLGATE_TRUST_PROXY: '127.0.0.0/8' } });
  });
  afterAll(() => tollgate.stop());

  it('takes the right-most untrusted address of X-Forwarded-For', async () => {
    const client = unique('198.18.');
    const through = (chain: string) => ({ localAddress: '127.0.0.1', headers: { 'x-forwarded-for': chain } });
    for (let i = 0; i < 5; i++)
      expect(await served(tollgate.url, through(`10.9.9.${i}, ${client}`))).toBe(true);
    // Whatever the client claims to the left of its own address, it is still the same client.
    expect(await served(tollgate.url, through(`10.9.9.77, ${client}`))).toBe(false);
    expect(await served(tollgate.url, through(`${client}, ${unique('198.19.')}`))).toBe(true);
  });

  it('limits IPv6 clients by their /64: one /64 shares a window, another does not', async () => {
    const prefix = `2001:db8:${(Date.now() % 65_000).toString(16)}:${Math.floor(Math.random() * 65_000).toString(16)}`;
    const via = (address: string) => ({ localAddress: '127.0.0.1', headers: { 'x-forwarded-for': address } });
    for (let i = 1; i <= 5; i++) expect(await served(tollgate.url, via(`${prefix}::${i}`))).toBe(true);
    expect(await served(tollgate.url, via(`${prefix}:ffff:ffff:ffff:ffff`))).toBe(false);
    expect(await served(tollgate.url, via(`${prefix.replace(/:[0-9a-f]+$/, ':ffff')}::1`))).toBe(true);
  });
});

describe('hop-count trust', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ env: { TOLLGATE_TRUST_PROXY: '1' } });
  });
  afterAll(() => tollgate.stop());

  it('believes exactly the one proxy in front: the entry it appended', async () => {
    const client = unique('203.0.');
    const chain = (spoof: string) => ({
      localAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': `${spoof}, ${client}` },
    });
    for (let i = 0; i < 5; i++) expect(await served(tollgate.url, chain(`192.0.2.${i}`))).toBe(true);
    expect(await served(tollgate.url, chain('192.0.2.200'))).toBe(false);
  });
});

describe('a proxy that writes only Forwarded', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      env: { TOLLGATE_TRUST_PROXY: '1', TOLLGATE_PROXY_HEADER: 'forwarded' },
    });
  });
  afterAll(() => tollgate.stop());

  it('names the client in Forwarded; the X-Forwarded-For it passes through from the client is not read', async () => {
    const client = unique('203.0.');
    // The proxy appends `for=<client>` to Forwarded and leaves the client's own X-Forwarded-For as sent.
    const spoofing = (i: number) => ({
      localAddress: '127.0.0.1',
      headers: { forwarded: `for=${client};proto=https`, 'x-forwarded-for': `192.0.2.${i}` },
    });
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push(await served(tollgate.url, spoofing(i)));
    // `data` allows 5 a minute per client: the spoofed addresses bought no more.
    expect(answers).toEqual([true, true, true, true, true, false, false]);
  });
});

describe('login brute force', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate();
  });
  afterAll(() => tollgate.stop());

  it('limits attempts against one user name across many client addresses', async () => {
    const login = (username: string, localAddress: string) =>
      postGraphQL(tollgate.url, `mutation { login(username: "${username}", password: "guess") { ok } }`, {
        localAddress,
      });
    const target = `victim-${Date.now()}`;
    const results = [];
    // Eleven attackers, one attempt each: each is far below its own limit of 5.
    for (let i = 1; i <= 11; i++) results.push(await login(target, `127.92.${Date.now() % 200}.${i}`));
    const refused = results.filter((answer) => answer.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(results.slice(0, 10).every((answer) => answer.body.data?.login != null)).toBe(true);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.body.errors?.[0]?.extensions).toMatchObject({
      coordinate: 'Mutation.login',
      limit: 10,
    });
    // Another account is not locked by it.
    expect((await login(`other-${Date.now()}`, '127.92.250.1')).body.data?.login).toEqual({ ok: false });
  });

  it('counts a call refused by one rule in none of the other windows of the field', async () => {
    const login = (username: string, localAddress: string) =>
      postGraphQL(tollgate.url, `mutation { login(username: "${username}", password: "guess") { ok } }`, {
        localAddress,
      });
    const target = `persistent-${Date.now()}`;
    const attacker = `127.93.${Date.now() % 200}.1`;
    // Six from one address: the sixth is refused by the per-client window (5 per 15 minutes)…
    for (let i = 0; i < 6; i++) await login(target, attacker);
    // …so the per-user-name window (10) holds 5, and five more addresses still get through.
    const others = [];
    for (let i = 2; i <= 7; i++) others.push(await login(target, attacker.replace(/\.1$/, `.${i}`)));
    expect(others.map((answer) => answer.body.data?.login != null)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });
});
