import { describe, expect, it } from 'vitest';
import { loadConfig, type TollgateSettings } from '../../../src/config/index.js';
import { configFile } from './config-file.js';

describe('precedence: defaults < settings in code < file < environment', () => {
  const settings: TollgateSettings = {
    port: 5000,
    cost: { defaultListSize: 20, mode: 'measure' },
    tiers: { free: { capacity: 300 } },
    cors: { origins: ['https://code.example'] },
  };

  it('settings in code replace defaults', () => {
    const config = loadConfig({}, settings);
    expect(config.port).toBe(5000);
    expect(config.cost).toEqual({ defaultListSize: 20, mode: 'measure' });
    expect(config.tiers.free).toEqual({
      capacity: 300,
      refillPerSec: 50,
      maxCost: 300,
      maxWaitMs: 0,
      maxConcurrent: 0,
    });
    expect(config.tiers.pro.capacity).toBe(10_000);
    expect(config.cors.origins).toEqual(['https://code.example']);
  });

  it('the file replaces settings in code, setting by setting', () => {
    const file = configFile({ port: 6000, cost: { defaultListSize: 30 } });
    const config = loadConfig({ TOLLGATE_CONFIG: file }, settings);
    expect(config.port).toBe(6000);
    expect(config.cost).toEqual({ defaultListSize: 30, mode: 'measure' });
  });

  it('the environment replaces both', () => {
    const file = configFile({ port: 6000, cost: { defaultListSize: 30 } });
    const config = loadConfig(
      { TOLLGATE_CONFIG: file, PORT: '7000', TOLLGATE_DEFAULT_LIST_SIZE: '40' },
      settings,
    );
    expect(config.port).toBe(7000);
    expect(config.cost.defaultListSize).toBe(40);
  });

  it('leaves the caller’s settings as they were, and skips undefined ones', () => {
    const mine = { tiers: { free: { capacity: 300, maxCost: 5000, refillPerSec: undefined } } };
    const before = structuredClone(mine);
    const config = loadConfig({}, mine);
    expect(mine).toEqual(before);
    expect(config.tiers.free).toEqual({
      capacity: 300,
      refillPerSec: 50,
      maxCost: 300,
      maxWaitMs: 0,
      maxConcurrent: 0,
    });
  });

  it('null in the file or the code means none, for the settings that can be none', () => {
    const file = configFile({ identity: { apiKeyHeader: null } });
    expect(loadConfig({ TOLLGATE_CONFIG: file }).identity.apiKeyHeader).toBeNull();
    expect(loadConfig({}, { redis: { url: null } }).redisUrl).toBeNull();
  });

  it('an empty variable is a value, except for names and paths where it means "not set"', () => {
    expect(loadConfig({ LOG_LEVEL: '' }, { log: { level: 'warn' } }).log.level).toBe('warn');
    expect(loadConfig({ TOLLGATE_KEYS_FILE: '', HOME: '/home/op' }).identity.keysFile).toBe(
      '/home/op/.local/share/tollgate/keys.json',
    );
    expect(() => loadConfig({ TOLLGATE_PRODUCTION: '' })).toThrow(
      /TOLLGATE_PRODUCTION must be true or false/,
    );
  });

  it('production from code turns the explorer off, as from the environment', () => {
    expect(loadConfig({}, { production: true }).explorer).toEqual({
      landingPage: false,
      introspection: false,
    });
    expect(loadConfig({ NODE_ENV: 'production' }, { production: false }).production).toBe(true);
  });

  it('refuses a Redis URL and Cluster nodes together, wherever they come from', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://a' }, { redis: { clusterNodes: ['b:7000'] } })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES \(redis.url, redis.clusterNodes\) are both set/,
    );
  });
});
