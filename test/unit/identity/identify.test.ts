import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthFailureGuard } from '../../../src/identity/auth-failures.js';
import { identityOfHint } from '../../../src/identity/client-hint.js';
import { createIdentify, type Identify, type IdentifyClient } from '../../../src/identity/identify.js';
import type { KeyStore } from '../../../src/identity/key-store.js';
import { createLogger } from '../../../src/logger.js';

const noKeys: KeyStore = {
  add: async () => {},
  get: async () => null,
  list: async () => [],
  update: async () => false,
  touch: async () => {},
  close: async () => {},
};

function request(headers: Record<string, string> = {}): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '192.0.2.1' });
  return { headers, socket } as unknown as IncomingMessage;
}

const identifies: Identify[] = [];
afterEach(async () => {
  await Promise.all(identifies.splice(0).map((identify) => identify.close()));
});

function build(identifyClient?: IdentifyClient) {
  const logs: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(JSON.parse(line.toString())));
  const identify = createIdentify({
    keyStore: noKeys,
    guard: createAuthFailureGuard({ maxFailures: 10, windowMs: 60_000 }),
    resolveAddress: (_headers, peer) => peer ?? 'unknown',
    logger: createLogger({ destination }),
    ...(identifyClient ? { identifyClient } : {}),
  });
  identifies.push(identify);
  return { identify, logs };
}

describe("the app's identity hook", () => {
  it('wins over a key, and names the client in a namespace of its own, tier free by default', async () => {
    const { identify } = build(() => ({ id: 'user-42' }));
    await expect(identify(request({ 'x-api-key': 'not-a-key' }))).resolves.toEqual({
      id: 'app:user-42',
      tier: 'free',
    });
  });

  it('picks the tier, and may answer asynchronously', async () => {
    const { identify } = build(async () => ({ id: 'acme', tier: 'pro' }));
    await expect(identify(request())).resolves.toEqual({ id: 'app:acme', tier: 'pro' });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
  ])('hands over to the key, then to the address, when it returns %s', async (_, nobody) => {
    const { identify } = build(() => nobody);
    await expect(identify(request())).resolves.toEqual({ id: 'ip:192.0.2.1', tier: 'anonymous' });
    await expect(identify(request({ 'x-api-key': 'not-a-key' }))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it("lets the app's own GraphQLError through unchanged", async () => {
    const expired = new GraphQLError('Your session has expired.', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
    const { identify } = build(() => {
      throw expired;
    });
    await expect(identify(request())).rejects.toBe(expired);
  });

  it('refuses a malformed hint with an Error, logged once however often it happens', async () => {
    const { identify, logs } = build(() => ({ id: '' }));
    for (let i = 0; i < 3; i++) {
      await expect(identify(request())).rejects.toThrow(/without an id/);
    }
    expect(logs.filter((line) => line.msg?.toString().includes('malformed hint'))).toHaveLength(1);
  });
});

describe('a hint', () => {
  it.each([
    ['null', null, /returned null/],
    ['a string', 'user-42', /returned string/],
    ['a numeric id', { id: 42 }, /without an id/],
    ['an empty id', { id: '' }, /without an id/],
    ['an id of 257 characters', { id: 'x'.repeat(257) }, /longer than 256/],
    ['an unknown tier', { id: 'a', tier: 'gold' }, /unknown tier; give one of anonymous, free, pro/],
  ])('is refused when it is %s', (_, hint, message) => {
    expect(() => identityOfHint(hint)).toThrow(message);
  });

  it('never repeats the id in its error (it might be a token)', () => {
    const token = `eyJhbGciOiJIUzI1NiJ9.${'t'.repeat(300)}`;
    for (const hint of [{ id: token }, { id: token, tier: token }]) {
      const message = (() => {
        try {
          identityOfHint(hint);
        } catch (error) {
          return (error as Error).message;
        }
        return 'no error';
      })();
      expect(message).toMatch(/^identifyClient returned/);
      expect(message).not.toContain('eyJ');
    }
  });

  it('keeps ids that differ only by braces apart (a brace would end the Redis hash tag)', () => {
    const ids = ['a{b', 'a_b', 'a}b', 'a%7Bb', 'a%b'].map((id) => identityOfHint({ id }).id);
    expect(new Set(ids).size).toBe(5);
    expect(ids.every((id) => !/[{}]/.test(id))).toBe(true);
    expect(identityOfHint({ id: 'alice@example.com' }).id).toBe('app:alice@example.com');
  });

  it('may be 256 characters long and in any tier', () => {
    expect(identityOfHint({ id: 'x'.repeat(256), tier: 'anonymous' })).toEqual({
      id: `app:${'x'.repeat(256)}`,
      tier: 'anonymous',
    });
  });
});
