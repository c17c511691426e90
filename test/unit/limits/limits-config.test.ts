import { describe, expect, it } from 'vitest';
import { ConfigError, LIMIT_VARIABLES, loadConfig } from '../../../src/config/index.js';
import { DEFAULT_LIMITS } from '../../../src/limits/limits.js';

describe('input limits in the configuration', () => {
  it('default to DEFAULT_LIMITS, the drain grace to 500 ms and its timeout to 20 s', () => {
    const config = loadConfig({});
    expect(config.limits).toEqual(DEFAULT_LIMITS);
    expect(config.drainGraceMs).toBe(500);
    expect(config.drainTimeoutMs).toBe(20_000);
  });

  it('read every limit from its TOLLGATE_MAX_… variable', () => {
    const env = Object.fromEntries(Object.values(LIMIT_VARIABLES).map((name, i) => [name, String(i + 7)]));
    const limits = loadConfig(env).limits;
    Object.keys(LIMIT_VARIABLES).forEach((key, i) => {
      expect(limits[key as keyof typeof limits], key).toBe(i + 7);
    });
  });

  it.each([
    ['TOLLGATE_MAX_TOKENS', '0'],
    ['TOLLGATE_MAX_DEPTH', '101'],
    ['TOLLGATE_MAX_BATCH_OPERATIONS', 'ten'],
    ['TOLLGATE_MAX_BODY_BYTES', '1.5'],
    ['TOLLGATE_DRAIN_GRACE_MS', '-1'],
    ['TOLLGATE_DRAIN_TIMEOUT_MS', '1m'],
    ['TOLLGATE_MAX_REPEATED_SELECTIONS', '0'],
  ])('refuse %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
