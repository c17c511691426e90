import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiKey } from '../../../src/identity/api-keys.js';
import { createAuthFailureGuard } from '../../../src/identity/auth-failures.js';
import { createIdentify, type Identify } from '../../../src/identity/identify.js';
import type { ApiKeyRecord, KeyStore } from '../../../src/identity/key-store.js';
import { createLogger } from '../../../src/logger.js';

/** A key store in memory that can be cut off. */
function keyStore() {
  const records = new Map<string, ApiKeyRecord>();
  const state = { up: true, touched: new Map<string, string>() };
  const store: KeyStore = {
    add: async (record) => void records.set(record.id, record),
    get: async (id) => {
      if (!state.up) throw new Error('connection refused');
      return records.get(id) ?? null;
    },
    list: async () => [...records.values()],
    update: async (id, change) => {
      const record = records.get(id);
      if (record) records.set(id, { ...record, ...change });
      return record !== undefined;
    },
    touch: async (lastUsed) => {
      if (!state.up) throw new Error('connection refused');
      for (const [id, at] of lastUsed) state.touched.set(id, at);
    },
    close: async () => {},
  };
  return { store, state };
}

function request(address: string, key?: string): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: address });
  return { headers: key === undefined ? {} : { 'x-api-key': key }, socket } as unknown as IncomingMessage;
}

const identifies: Identify[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(identifies.splice(0).map((identify) => identify.close()));
});

function build(touchIntervalMs?: number) {
  const keys = keyStore();
  const logs: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(JSON.parse(line.toString())));
  const identify = createIdentify({
    keyStore: keys.store,
    guard: createAuthFailureGuard({ maxFailures: 10, windowMs: 60_000 }),
    resolveAddress: (_headers, peer) => peer ?? 'unknown',
    keyCacheMs: 500,
    keyMaxStalenessMs: 5000,
    ...(touchIntervalMs ? { touchIntervalMs } : {}),
    logger: createLogger({ destination }),
  });
  identifies.push(identify);
  const createKey = async (tier: 'free' | 'pro' = 'pro') => createApiKey(keys.store, 'test', tier);
  return { identify, keys, logs, createKey };
}

const code = (error: unknown) => (error as { extensions?: { code?: string } }).extensions?.code;
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (client) => client,
    (error: unknown) => code(error),
  );

describe('a key that cannot be verified', () => {
  it('is served as the anonymous client of its address: never its tier, never 503 or 401', async () => {
    const { identify, keys, createKey } = build();
    const { key } = await createKey();
    keys.state.up = false;
    for (let i = 0; i < 5; i++) {
      await expect(identify(request('192.0.2.1', key))).resolves.toEqual({
        id: 'ip:192.0.2.1',
        tier: 'anonymous',
      });
    }
    // Not even a made-up key is refused: that it is unknown cannot be shown either.
    await expect(identify(request('192.0.2.1', `tg_abcdefghij_${'A'.repeat(43)}`))).resolves.toEqual({
      id: 'ip:192.0.2.1',
      tier: 'anonymous',
    });
  });

  it('is still refused when malformed: no record could ever match it', async () => {
    const { identify, keys } = build();
    keys.state.up = false;
    expect(await outcome(identify(request('192.0.2.1', 'not-a-key')))).toBe('UNAUTHENTICATED');
  });
});

describe('a revoked key on a process cut off from the key store', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });

  it('keeps its tier for at most the maximum staleness after the last read, then is anonymous', async () => {
    const { identify, keys, createKey } = build();
    const { key, record } = await createKey();
    await expect(identify(request('192.0.2.1', key))).resolves.toEqual({
      id: `key:${record.id}`,
      tier: 'pro',
    });
    const readAt = Date.now();
    keys.state.up = false;
    await keys.store.update(record.id, { revokedAt: new Date().toISOString() });

    vi.setSystemTime(readAt + 4999);
    await expect(identify(request('192.0.2.1', key))).resolves.toMatchObject({ tier: 'pro' });
    vi.setSystemTime(readAt + 5000);
    await expect(identify(request('192.0.2.1', key))).resolves.toEqual({
      id: 'ip:192.0.2.1',
      tier: 'anonymous',
    });
    // Back in touch, the revocation is read: refused.
    keys.state.up = true;
    vi.setSystemTime(readAt + 7000);
    expect(await outcome(identify(request('192.0.2.1', key)))).toBe('UNAUTHENTICATED');
  });
});

describe('the failed-key lockout', () => {
  it('counts no malformed key: ten of them lock out nobody', async () => {
    const { identify, createKey } = build();
    for (let i = 0; i < 20; i++) {
      expect(await outcome(identify(request('192.0.2.7', 'not-a-key')))).toBe('UNAUTHENTICATED');
    }
    const { key } = await createKey();
    await expect(identify(request('192.0.2.7', key))).resolves.toMatchObject({ tier: 'pro' });
  });

  it('lets a burst of one new key wait for its first check instead of filling the window', async () => {
    const { identify, createKey } = build();
    const { key } = await createKey();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => outcome(identify(request('192.0.2.6', key)))),
    );
    expect(answers.filter((answer) => typeof answer === 'object')).toHaveLength(100);
  });

  it('past the limit serves keys served from that address before, and lets new keys wait', async () => {
    const { identify, createKey } = build();
    const regular = await createKey();
    const newcomer = await createKey('free');
    await expect(identify(request('192.0.2.8', regular.key))).resolves.toMatchObject({ tier: 'pro' });

    const guesses = Array.from({ length: 100 }, (_, i) =>
      outcome(identify(request('192.0.2.8', `tg_guessguess_${String(i % 10).repeat(43)}`))),
    );
    const answers = await Promise.all(guesses);
    expect(answers.filter((answer) => answer === 'UNAUTHENTICATED')).toHaveLength(10);
    expect(answers.filter((answer) => answer === 'RATE_LIMITED')).toHaveLength(90);

    await expect(identify(request('192.0.2.8', regular.key))).resolves.toMatchObject({ tier: 'pro' });
    expect(await outcome(identify(request('192.0.2.8', newcomer.key)))).toBe('RATE_LIMITED');
    await expect(identify(request('192.0.2.9', newcomer.key))).resolves.toMatchObject({ tier: 'free' });
    // Anonymous requests from the address are not the lockout's business.
    await expect(identify(request('192.0.2.8'))).resolves.toEqual({ id: 'ip:192.0.2.8', tier: 'anonymous' });
  });
});

/** Resolves once `condition` holds, checking every 10 ms; rejects after 2 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() - started > 2000) throw new Error('condition not met within 2 s');
  }
}

describe('last-used times', () => {
  it('wait for the next flush when the store cannot take them, with one warning per streak', async () => {
    const { identify, keys, createKey, logs } = build(20);
    const { key, record } = await createKey();
    await identify(request('192.0.2.10', key));
    keys.state.up = false;
    const warnings = () => logs.filter((line) => line.msg === 'last-used update failed');
    await until(() => warnings().length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(warnings()).toHaveLength(1);
    keys.state.up = true;
    await until(() => keys.state.touched.has(record.id));
    expect(keys.state.touched.get(record.id)).toEqual(expect.any(String));
  });
});
