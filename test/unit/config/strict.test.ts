import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type TollgateSettings } from '../../../src/config/index.js';
import { editDistance, nearest } from '../../../src/config/strict.js';
import { configFile } from './config-file.js';

/** The ConfigError `load` throws; fails the test if it throws nothing or something else. */
function refusal(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const { message } = error as ConfigError;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ConfigError, got a configuration');
}

const fromFile = (content: unknown) => refusal(() => loadConfig({ TOLLGATE_CONFIG: configFile(content) }));
const fromCode = (settings: unknown) => refusal(() => loadConfig({}, settings as TollgateSettings));

describe('unknown settings stop start-up', () => {
  it.each([
    [
      { tiers: { anonymus: { capacity: 5 } } },
      'unknown setting "tiers.anonymus" in TOLLGATE_CONFIG (did you mean "tiers.anonymous"?)',
    ],
    [
      { cors: { origin: ['https://a.example'] } },
      'unknown setting "cors.origin" in TOLLGATE_CONFIG (did you mean "cors.origins"?)',
    ],
    [
      { redis: { timeoutMS: 50 } },
      'unknown setting "redis.timeoutMS" in TOLLGATE_CONFIG (did you mean "redis.timeoutMs"?)',
    ],
    [{ prot: 80 }, 'unknown setting "prot" in TOLLGATE_CONFIG (did you mean "port"?)'],
    [
      { tiers: { free: { tier: 'pro' } } },
      'unknown setting "tiers.free.tier" in TOLLGATE_CONFIG (known here: capacity, refillPerSec, maxCost, maxWaitMs, maxConcurrent)',
    ],
  ])('in the file: %j', (content, message) => {
    expect(fromFile(content)).toBe(message);
  });

  it('in the settings given in code, with the nearest name', () => {
    expect(fromCode({ identity: { apiKeyHeadr: 'x-key' } })).toBe(
      'unknown setting "identity.apiKeyHeadr" in the settings given to loadConfig (did you mean "identity.apiKeyHeader"?)',
    );
    expect(fromCode({ schemaDir: 'schema/' })).toMatch(
      /^unknown setting "schemaDir" in the settings given to loadConfig \(known here: port, host, redis,/,
    );
  });

  it('even when the environment overrides the same setting', () => {
    const file = configFile({ tiers: { free: { capacty: 5 } } });
    expect(() => loadConfig({ TOLLGATE_CONFIG: file, TOLLGATE_TIER_FREE_CAPACITY: '9' })).toThrow(
      'unknown setting "tiers.free.capacty" in TOLLGATE_CONFIG (did you mean "tiers.free.capacity"?)',
    );
  });
});

describe('unknown TOLLGATE_ variables stop start-up', () => {
  it.each([
    [
      'TOLLGATE_TIER_FREE_CAPCITY',
      'unknown environment variable TOLLGATE_TIER_FREE_CAPCITY (did you mean TOLLGATE_TIER_FREE_CAPACITY?)',
    ],
    [
      'TOLLGATE_CORS_ORIGIN',
      'unknown environment variable TOLLGATE_CORS_ORIGIN (did you mean TOLLGATE_CORS_ORIGINS?)',
    ],
    ['TOLLGATE_REDIS_URL', 'unknown environment variable TOLLGATE_REDIS_URL (did you mean REDIS_URL?)'],
    ['TOLLGATE_SCHEMA_DIR', 'unknown environment variable TOLLGATE_SCHEMA_DIR'],
    ['TOLLGATE_FOO', 'unknown environment variable TOLLGATE_FOO'],
  ])('%s', (name, message) => {
    expect(refusal(() => loadConfig({ [name]: '1' }))).toBe(message);
  });

  it('but leaves other variables alone, and the example client’s TOLLGATE_URL and TOLLGATE_API_KEY', () => {
    expect(() =>
      loadConfig({ PATH: '/usr/bin', TOLLGATE: 'x', TOLLGATE_URL: 'http://x', TOLLGATE_API_KEY: 'tg_x' }),
    ).not.toThrow();
  });
});

describe('wrong JSON types stop start-up, naming the path', () => {
  it.each([
    [
      { tiers: { free: { capacity: '200' } } },
      '"tiers.free.capacity" in TOLLGATE_CONFIG must be a number, got "200"',
    ],
    [
      { cors: { origins: { a: 1 } } },
      '"cors.origins" in TOLLGATE_CONFIG must be a list of strings, got an object',
    ],
    [
      { cors: { origins: 'https://a.example' } },
      '"cors.origins" in TOLLGATE_CONFIG must be a list of strings, got "https://a.example"',
    ],
    [
      { redis: { clusterNodes: ['a:1', 2] } },
      '"redis.clusterNodes" in TOLLGATE_CONFIG must be a list of strings, got a list',
    ],
    [{ production: 'yes' }, '"production" in TOLLGATE_CONFIG must be true or false, got "yes"'],
    [{ tiers: 5 }, '"tiers" in TOLLGATE_CONFIG must be an object of settings, got 5'],
    [{ tiers: { free: [] } }, '"tiers.free" in TOLLGATE_CONFIG must be an object of settings, got a list'],
    [
      { identity: { apiKeyHeader: 7 } },
      '"identity.apiKeyHeader" in TOLLGATE_CONFIG must be a string or null, got 7',
    ],
    [[1, 2], 'TOLLGATE_CONFIG must be an object of settings, got a list'],
  ])('%j', (content, message) => {
    expect(fromFile(content)).toBe(message);
  });

  it('and bad values name the path and the source', () => {
    expect(fromFile({ tiers: { free: { capacity: 0 } } })).toBe(
      '"tiers.free.capacity" in TOLLGATE_CONFIG must be greater than 0, got 0',
    );
    expect(fromCode({ cost: { mode: 'lenient' } })).toBe(
      '"cost.mode" in the settings given to loadConfig must be one of enforce, measure, got "lenient"',
    );
  });

  it('and a file that is not JSON, on one line', () => {
    expect(fromFile('{ "port": 80,\n}')).toMatch(/^TOLLGATE_CONFIG \(.*\) could not be read as JSON: /);
  });
});

describe('nearest', () => {
  it('measures edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('prot', 'port')).toBe(1);
  });

  it('offers a name only when it is near enough to be a typo, case aside', () => {
    expect(nearest('anonymus', ['anonymous', 'free', 'pro'])).toBe('anonymous');
    expect(nearest('refillpersec', ['capacity', 'refillPerSec'])).toBe('refillPerSec');
    expect(nearest('tier', ['capacity', 'refillPerSec', 'maxCost'])).toBeUndefined();
  });
});
