import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_TIERS, loadConfig } from '../../../src/config/index.js';

describe('loadConfig', () => {
  it('has documented defaults: port 4000, memory store, enforce, default tiers', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      redisUrl: null,
      cost: { mode: 'enforce', defaultListSize: 10 },
    });
    expect(config.tiers).toEqual(DEFAULT_TIERS);
  });

  it('takes a file, and environment variables over the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-config-')), 'tollgate.json');
    writeFileSync(
      file,
      JSON.stringify({ tiers: { free: { capacity: 200, refillPerSec: 2 } }, cost: { mode: 'measure' } }),
    );
    const config = loadConfig({
      TOLLGATE_CONFIG: file,
      TOLLGATE_TIER_FREE_REFILL_PER_SEC: '4',
      PORT: '8080',
    });
    expect(config.port).toBe(8080);
    expect(config.cost.mode).toBe('measure');
    expect(config.tiers.free).toEqual({
      capacity: 200,
      refillPerSec: 4,
      maxCost: 200,
      maxWaitMs: 0,
      maxConcurrent: 0,
    });
  });

  it('never lets one operation cost more than the bucket holds', () => {
    const config = loadConfig({ TOLLGATE_TIER_PRO_CAPACITY: '100', TOLLGATE_TIER_PRO_MAX_COST: '5000' });
    expect(config.tiers.pro.maxCost).toBe(100);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a number, got "abc"/],
    [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    [{ TOLLGATE_TIER_ANONYMOUS_CAPACITY: '0' }, /TOLLGATE_TIER_ANONYMOUS_CAPACITY must be greater than 0/],
    [
      { TOLLGATE_TIER_FREE_REFILL_PER_SEC: '0.0001' },
      /TOLLGATE_TIER_FREE_REFILL_PER_SEC must have at most 3 decimals/,
    ],
    [{ TOLLGATE_COST_MODE: 'lenient' }, /TOLLGATE_COST_MODE must be one of enforce, measure/],
    [
      { TOLLGATE_CONFIG: '/nonexistent/tollgate.json' },
      /TOLLGATE_CONFIG \(\/nonexistent\/tollgate.json\) could not be read/,
    ],
  ])('refuses %j, naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
