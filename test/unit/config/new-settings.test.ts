import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-config-')), 'tollgate.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('where API keys are read', () => {
  it('defaults to the x-api-key header and Authorization: Bearer', () => {
    expect(loadConfig({}).identity).toMatchObject({ apiKeyHeader: 'x-api-key', bearerApiKeys: true });
  });

  it('lower-cases the header; none or an empty value means no header', () => {
    expect(loadConfig({ TOLLGATE_API_KEY_HEADER: 'X-Tollgate-Key' }).identity.apiKeyHeader).toBe(
      'x-tollgate-key',
    );
    expect(loadConfig({ TOLLGATE_API_KEY_HEADER: 'none' }).identity.apiKeyHeader).toBeNull();
    expect(loadConfig({ TOLLGATE_API_KEY_HEADER: '' }).identity.apiKeyHeader).toBeNull();
    expect(loadConfig({ TOLLGATE_API_KEY_BEARER: 'false' }).identity.bearerApiKeys).toBe(false);
  });

  it('takes both from the file', () => {
    const file = configFile({ identity: { apiKeyHeader: 'X-Key', bearerApiKeys: false } });
    expect(loadConfig({ TOLLGATE_CONFIG: file }).identity).toMatchObject({
      apiKeyHeader: 'x-key',
      bearerApiKeys: false,
    });
  });

  it.each([
    [{ TOLLGATE_API_KEY_HEADER: 'x api key' }, /TOLLGATE_API_KEY_HEADER must be a header name/],
    [{ TOLLGATE_API_KEY_HEADER: 'x-key:' }, /TOLLGATE_API_KEY_HEADER must be a header name/],
    [{ TOLLGATE_API_KEY_BEARER: 'maybe' }, /TOLLGATE_API_KEY_BEARER must be true or false/],
  ])('refuses %j, naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('CORS origins', () => {
  it('default to none: CORS off', () => {
    expect(loadConfig({}).cors).toEqual({ origins: [] });
  });

  it('read a comma-separated list, lower-cased, with ports and IPv6 hosts', () => {
    const env = {
      TOLLGATE_CORS_ORIGINS: ' https://App.Example.com, http://localhost:5173,http://[::1]:8080,',
    };
    expect(loadConfig(env).cors.origins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'http://[::1]:8080',
    ]);
    expect(loadConfig({ TOLLGATE_CORS_ORIGINS: '*' }).cors.origins).toEqual(['*']);
  });

  it('take an array from the file', () => {
    const file = configFile({ cors: { origins: ['https://a.example'] } });
    expect(loadConfig({ TOLLGATE_CONFIG: file }).cors.origins).toEqual(['https://a.example']);
  });

  it.each([
    ['https://a.example/', /must list \* or origins scheme:\/\/host\[:port\] without a path/],
    ['https://a.example/app', /without a path, got "https:\/\/a.example\/app"/],
    ['a.example', /scheme:\/\/host/],
    ['https://a.example:70000', /scheme:\/\/host/],
    ['https://user@a.example', /scheme:\/\/host/],
    ['*,https://a.example', /must list \* alone: it already allows every origin/],
  ])('refuse %s, naming TOLLGATE_CORS_ORIGINS', (origins, message) => {
    const env = { TOLLGATE_CORS_ORIGINS: origins };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/TOLLGATE_CORS_ORIGINS/);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
