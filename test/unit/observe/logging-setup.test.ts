import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { createLogger, wantsPrettyLogs } from '../../../src/logger.js';
import { REDACTED, redactUrl, safeConfig } from '../../../src/observe/safe-config.js';

describe('safeConfig', () => {
  it('masks the password of a Redis URL and keeps the rest', () => {
    expect(redactUrl('redis://default:hunter2@cache.internal:6380/2')).toBe(
      'redis://default:***@cache.internal:6380/2',
    );
    expect(redactUrl('rediss://:hunter2@cache.internal')).toBe('rediss://:***@cache.internal');
    expect(redactUrl('redis://cache.internal:6379')).toBe('redis://cache.internal:6379');
  });

  it('redacts secrets at any depth, by key name, and URLs anywhere', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://:hunter2@127.0.0.1:6379',
      TOLLGATE_LOG_CLIENT_SECRET: 'hunter3-hunter3-hunter3',
    });
    const safe = safeConfig({
      ...config,
      keys: {
        pepper: 'p',
        maxTokens: 5000,
        apiKey: 'tg_k',
        nested: [{ authToken: 't', url: 'redis://u:pw@h' }],
      },
    });
    const text = JSON.stringify(safe);
    for (const secret of ['hunter2', 'hunter3', '"p"', '"t"', ':pw@', 'tg_k'])
      expect(text).not.toContain(secret);
    expect(safe).toMatchObject({
      redisUrl: 'redis://:***@127.0.0.1:6379',
      log: { clientRefSecret: REDACTED },
      keys: { pepper: REDACTED, maxTokens: 5000, nested: [{ authToken: REDACTED, url: 'redis://u:***@h' }] },
      tiers: config.tiers,
      identity: { apiKeyHeader: 'x-api-key', bearerApiKeys: true },
    });
  });
});

describe('log configuration', () => {
  it('reads LOG_LEVEL and rejects an unknown level by name', () => {
    expect(loadConfig({ LOG_LEVEL: 'debug' }).log.level).toBe('debug');
    expect(loadConfig({}).log).toEqual({ level: 'info', clientRefSecret: null });
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('refuses a client-reference secret short enough to guess', () => {
    expect(() => loadConfig({ TOLLGATE_LOG_CLIENT_SECRET: 'short' })).toThrow(/TOLLGATE_LOG_CLIENT_SECRET/);
  });

  it('prints human-readable lines only on a terminal outside production', () => {
    expect(wantsPrettyLogs(true, false)).toBe(true);
    expect(wantsPrettyLogs(true, true)).toBe(false);
    expect(wantsPrettyLogs(false, false)).toBe(false);
    expect(wantsPrettyLogs(undefined, false)).toBe(false);
  });

  it('writes JSON lines by default and readable text with pretty', () => {
    let json = '';
    const jsonOut = new PassThrough().on('data', (chunk: Buffer) => (json += chunk.toString()));
    createLogger({ destination: jsonOut }).info({ reason: 'throttled' }, 'operation rejected');
    expect(JSON.parse(json)).toMatchObject({ msg: 'operation rejected', reason: 'throttled' });

    let text = '';
    const prettyOut = new PassThrough().on('data', (chunk: Buffer) => (text += chunk.toString()));
    createLogger({ destination: prettyOut, pretty: true }).info(
      { reason: 'throttled' },
      'operation rejected',
    );
    expect(text).toMatch(/INFO.*operation rejected/);
    expect(text).toContain('reason: "throttled"');
    expect(() => JSON.parse(text)).toThrow();
  });
});
