import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseApiKey } from '../../../src/identity/api-key.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { type RunningTollgate, spawnTollgate, startTollgate } from '../../support/tollgate.js';

const REF = /^[0-9a-f]{16}$/;
const rejections = (logs: Array<Record<string, unknown>>) => logs.filter((line) => line.event === 'rejected');

/** What must never be in a log: the address, the key and its secret, the client ids the limiter uses. */
function forbiddenIn(apiKey: string): string[] {
  const secret = parseApiKey(apiKey)?.secret;
  if (!secret) throw new Error(`not an API key: ${apiKey}`);
  return ['127.0.0.1', apiKey, secret, 'ip:', 'key:'];
}

describe('one log line per rejection', () => {
  let tollgate: RunningTollgate;
  let apiKey: string;
  /** The same key id with another secret. */
  let forged: string;
  beforeAll(async () => {
    // Small buckets for both tiers: 100 points, 1 back per second, 80 at most per operation.
    const env: Record<string, string> = {};
    for (const tier of ['ANONYMOUS', 'FREE']) {
      env[`TOLLGATE_TIER_${tier}_CAPACITY`] = '100';
      env[`TOLLGATE_TIER_${tier}_REFILL_PER_SEC`] = '1';
      env[`TOLLGATE_TIER_${tier}_MAX_COST`] = '80';
    }
    tollgate = await startTollgate({ env });
    apiKey = await tollgate.createKey('free');
    const secret = parseApiKey(apiKey)?.secret ?? '';
    forged =
      apiKey.slice(0, -secret.length) +
      randomBytes(secret.length).toString('base64url').slice(0, secret.length);
  });
  afterAll(() => tollgate.stop());

  it('logs refused operations and fields, with reason, cost, tier and a client reference; nothing else', async () => {
    const headers = { 'x-api-key': apiKey };
    const statuses = [
      (await postGraphQL(tollgate.url, '{ books(first: 5) { id } }')).status,
      (await postGraphQL(tollgate.url, '{ books(first: 90) { id } }')).status,
      (await postGraphQL(tollgate.url, '{ books(first: 60) { id } }', { headers })).status,
      (await postGraphQL(tollgate.url, '{ books(first: 60) { id } }', { headers })).status,
    ];
    expect(statuses).toEqual([200, 400, 200, 429]);
    // Query.data allows 5 calls a minute: the sixth is refused (the operation is still served).
    for (let i = 0; i < 6; i += 1) await postGraphQL(tollgate.url, '{ data { message } }', { headers });
    // A key whose secret is wrong: 401.
    const wrongSecret = (
      await postGraphQL(tollgate.url, '{ books(first: 1) { id } }', { headers: { 'x-api-key': forged } })
    ).status;
    expect(wrongSecret).toBe(401);

    const lines = rejections(tollgate.logs);
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, reason: 'too_expensive', cost: 90, tier: 'anonymous' }),
      expect.objectContaining({
        level: 30,
        reason: 'throttled',
        cost: 60,
        tier: 'free',
        retryAfter: expect.any(Number),
      }),
      expect.objectContaining({
        level: 30,
        reason: 'field_rate_limited',
        coordinate: 'Query.data',
        tier: 'free',
      }),
      expect.objectContaining({ level: 30, reason: 'unauthenticated', cost: 0, tier: 'anonymous' }),
    ]);
    for (const line of lines) expect(line.client).toMatch(REF);
    const [anonymous, throttled, field, unauthenticated] = lines.map((line) => line.client);
    expect(throttled).toBe(field);
    expect(anonymous).not.toBe(throttled);
    // Refused keys are counted against the address that presented them.
    expect(unauthenticated).toBe(anonymous);
  });

  it('never writes the client address, the API key or its hash', () => {
    const captured = tollgate.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(captured).toContain('"reason":"throttled"');
    for (const secret of [...forbiddenIn(apiKey), ...forbiddenIn(forged)])
      expect(captured).not.toContain(secret);
  });
});

describe('one log line per operation refused because Redis is down (policy closed)', () => {
  let redis: RedisServer;
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    redis = await startRedisServer();
    tollgate = await startTollgate({ redisUrl: redis.url, env: { TOLLGATE_FAILURE_POLICY: 'closed' } });
  });
  afterAll(async () => {
    // Back up first: stopping drains pending work into Redis.
    await redis.start();
    await tollgate.stop();
    await redis.stop();
  });

  it('warns once per 503, without the address', async () => {
    await redis.stop();
    const before = rejections(tollgate.logs).length;
    for (let i = 0; i < 3; i += 1) {
      // From an address of its own: the outage's own lines name the Redis node (127.0.0.1:port),
      // which is the operator's to know; the client's address is what must never appear.
      const answer = await postGraphQL(tollgate.url, '{ books(first: 2) { id } }', {
        localAddress: '127.0.0.7',
      });
      expect(answer.status).toBe(503);
    }
    const lines = rejections(tollgate.logs).slice(before);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatchObject({ level: 40, reason: 'unavailable', cost: 2, tier: 'anonymous' });
      expect(line.client).toMatch(REF);
      expect(line.retryAfter).toEqual(expect.any(Number));
    }
    expect(JSON.stringify(tollgate.logs)).not.toContain('127.0.0.7');
  });
});

describe('start-up lines', () => {
  it('log the effective configuration as JSON lines, with the Redis password and secrets redacted', async () => {
    const redisPort = new URL(inject('redisUrl')).port;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const clientSecret = `log-secret-${randomBytes(12).toString('hex')}`;
    const child = await spawnTollgate({
      REDIS_URL: `redis://default:${password}@127.0.0.1:${redisPort}`,
      TOLLGATE_LOG_CLIENT_SECRET: clientSecret,
      TOLLGATE_TIER_FREE_CAPACITY: '123',
    });
    const exitCode = await child.stop();
    expect(exitCode).toBe(0);
    const output = child.output();
    expect(output).not.toContain(password);
    expect(output).not.toContain(clientSecret);
    // Not a terminal: every line Tollgate writes is JSON (ioredis's own warnings start with "[").
    const lines = output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const effective = lines.find((line) => line.msg === 'effective configuration');
    expect(effective?.config).toMatchObject({
      redisUrl: `redis://default:***@127.0.0.1:${redisPort}`,
      tiers: { free: { capacity: 123 } },
      log: { level: 'info', clientRefSecret: '[redacted]' },
    });
  });
});
