import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RATE_LIMIT_EXPOSED_HEADERS } from '../../../src/http/cors.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const APP = 'http://app.test';
const QUERY = JSON.stringify({ query: '{ books(first: 3) { title } }' });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request of any method, as a browser would send it (the tests set `Origin` themselves). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? 'POST', headers: options.headers, localAddress: options.localAddress },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const preflight = (origin: string, requestHeaders = 'content-type,x-api-key') => ({
  method: 'OPTIONS',
  headers: {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': requestHeaders,
  },
});
const post = (origin: string | undefined, headers: Record<string, string> = {}, body = QUERY) => ({
  headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}), ...headers },
  body,
});
const accessControl = (answer: Answer) =>
  Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));
const listed = (value: unknown) =>
  String(value)
    .split(',')
    .map((name) => name.trim().toLowerCase());

// Anonymous clients are keyed by address, in a Redis that may outlive a run: addresses of its own.
const octet = Math.floor(Math.random() * 200) + 20;
let next = 0;
const address = () => `127.${octet}.201.${(next++ % 250) + 1}`;

describe('CORS for listed origins', () => {
  let tollgate: RunningTollgate;
  let origin: string;
  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      env: {
        TOLLGATE_CORS_ORIGINS: `${APP}, https://other.example`,
        TOLLGATE_MAX_BODY_BYTES: '2000',
        TOLLGATE_TIER_ANONYMOUS_CAPACITY: '10',
        TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '0.001',
        TOLLGATE_AUTH_FAILURES_MAX: '100',
      },
    });
    origin = new URL(tollgate.url).origin;
  });
  afterAll(() => tollgate.stop());

  it('answers a preflight from a listed origin with 204 and what the page may send', async () => {
    const answer = await send(tollgate.url, preflight(APP));
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(listed(answer.headers['access-control-allow-methods'])).toEqual(['get', 'post', 'options']);
    expect(listed(answer.headers['access-control-allow-headers'])).toEqual(
      expect.arrayContaining([
        'content-type',
        'x-api-key',
        'authorization',
        'apollo-require-preflight',
        'x-apollo-operation-name',
        'accept',
      ]),
    );
    expect(Number(answer.headers['access-control-max-age'])).toBeGreaterThan(0);
    expect(listed(answer.headers.vary)).toContain('origin');
    // Keys travel in headers: a page never gets to send the user's cookies along.
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a preflight to /health too, and each listed origin with itself', async () => {
    const answer = await send(`${origin}/health`, preflight('https://other.example'));
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('https://other.example');
  });

  it.each([
    ['an origin not listed', 'http://evil.test'],
    ['another port of a listed host', 'http://app.test:8080'],
    ['another scheme of a listed host', 'https://app.test'],
    ['an opaque origin', 'null'],
  ])('refuses a preflight from %s with 403 CORS_ORIGIN_NOT_ALLOWED', async (_, from) => {
    const answer = await send(tollgate.url, preflight(from));
    expect(answer.status).toBe(403);
    expect(accessControl(answer)).toEqual([]);
    expect(JSON.parse(answer.body).errors[0].extensions.code).toBe('CORS_ORIGIN_NOT_ALLOWED');
  });

  it('lets a listed origin read the answer and its rate limit headers', async () => {
    const answer = await send(tollgate.url, { ...post(APP), localAddress: address() });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(listed(answer.headers['access-control-expose-headers'])).toEqual(
      RATE_LIMIT_EXPOSED_HEADERS.map((name) => name.toLowerCase()),
    );
    expect(listed(answer.headers.vary)).toContain('origin');
    expect(answer.headers.ratelimit).toBeDefined();
  });

  it('exposes the headers on every answer: 401, 429, 400, 413', async () => {
    const ip = address();
    const answers = {
      401: await send(tollgate.url, { ...post(APP, { 'x-api-key': 'let-me-in' }), localAddress: ip }),
      // The anonymous bucket holds 10 points: the first 6 fit, the next 6 wait.
      429: await (async () => {
        const six = JSON.stringify({ query: '{ books(first: 6) { title } }' });
        await send(tollgate.url, { ...post(APP, {}, six), localAddress: ip });
        return send(tollgate.url, { ...post(APP, {}, six), localAddress: ip });
      })(),
      400: await send(tollgate.url, { ...post(APP, {}, '{"query": '), localAddress: ip }),
      413: await send(tollgate.url, {
        ...post(APP, {}, JSON.stringify({ query: `{ ${'a '.repeat(2000)}}` })),
      }),
    };
    for (const [status, answer] of Object.entries(answers)) {
      expect(answer.status, answer.body).toBe(Number(status));
      expect(answer.headers['access-control-allow-origin']).toBe(APP);
      expect(answer.headers['access-control-expose-headers']).toBe(
        'RateLimit, RateLimit-Policy, Retry-After',
      );
    }
    expect(answers[429].headers['retry-after']).toMatch(/^\d+$/);
  });

  it('serves a page of an origin not listed, without letting the browser show it the answer', async () => {
    const answer = await send(tollgate.url, { ...post('http://evil.test'), localAddress: address() });
    expect(answer.status).toBe(200);
    expect(accessControl(answer)).toEqual([]);
    expect(listed(answer.headers.vary)).toContain('origin');
  });

  it('leaves requests without Origin as they were', async () => {
    const answer = await send(tollgate.url, { ...post(undefined), localAddress: address() });
    expect(answer.status).toBe(200);
    expect(accessControl(answer)).toEqual([]);
    expect(answer.headers.vary).toBeUndefined();
  });

  it('adds nothing to the operator routes: /metrics is not for pages', async () => {
    const answer = await send(`${origin}/metrics`, { method: 'GET', headers: { origin: APP } });
    expect(answer.status).toBe(200);
    expect(accessControl(answer)).toEqual([]);
  });

  it('lets GET /health be read by a listed origin', async () => {
    const answer = await send(`${origin}/health`, { method: 'GET', headers: { origin: APP } });
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('CORS for any origin, keys in a header of their own', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({
      redisUrl: inject('redisUrl'),
      env: { TOLLGATE_CORS_ORIGINS: '*', TOLLGATE_API_KEY_HEADER: 'x-tollgate-key' },
    });
  });
  afterAll(() => tollgate.stop());

  it('answers every origin with *, and allows the configured key header instead of x-api-key', async () => {
    const answer = await send(
      tollgate.url,
      preflight('https://anyone.example', 'content-type,x-tollgate-key'),
    );
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    const allowed = listed(answer.headers['access-control-allow-headers']);
    expect(allowed).toContain('x-tollgate-key');
    expect(allowed).not.toContain('x-api-key');
    const served = await send(tollgate.url, {
      ...post('https://anyone.example', { 'x-tollgate-key': await tollgate.createKey() }),
      localAddress: address(),
    });
    expect(served.status).toBe(200);
    expect(served.headers['access-control-allow-origin']).toBe('*');
    expect(served.headers['ratelimit-policy']).toMatch(/^"free";/);
  });
});

describe('CORS off (the default)', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    tollgate = await startTollgate({ redisUrl: inject('redisUrl') });
  });
  afterAll(() => tollgate.stop());

  it('answers a preflight as any OPTIONS, as before, and adds no CORS header anywhere', async () => {
    const plain = await send(tollgate.url, { method: 'OPTIONS' });
    const fromPage = await send(tollgate.url, preflight(APP));
    expect(fromPage.status).toBe(plain.status);
    expect(fromPage.body).toBe(plain.body);
    expect(fromPage.status).not.toBe(204);
    expect(accessControl(fromPage)).toEqual([]);
    const health = await send(`${new URL(tollgate.url).origin}/health`, preflight(APP));
    expect(health.status).toBe(404);
    const served = await send(tollgate.url, { ...post(APP), localAddress: address() });
    expect(served.status).toBe(200);
    expect(accessControl(served)).toEqual([]);
    expect(served.headers.vary).toBeUndefined();
  });
});
