import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { settingsIn } from '../../../src/config/declaration.js';
import { loadConfig, type TollgateSettings } from '../../../src/config/index.js';
import { OTHER_VARIABLES, SETTINGS } from '../../../src/config/settings.js';
import { repoPath } from '../cost/schemas.js';
import { configFile } from './config-file.js';

/** A value other than the default for every setting: as an environment variable, and as JSON. */
const SAMPLES: Record<string, { text: string; json: unknown }> = {
  PORT: { text: '8080', json: 8080 },
  HOST: { text: '127.0.0.1', json: '127.0.0.1' },
  REDIS_URL: { text: 'redis://cache:6379', json: 'redis://cache:6379' },
  REDIS_CLUSTER_NODES: { text: 'a:7000,[::1]:7001', json: ['a:7000', '[::1]:7001'] },
  TOLLGATE_FAILURE_POLICY: { text: 'closed', json: 'closed' },
  TOLLGATE_REDIS_TIMEOUT_MS: { text: '250', json: 250 },
  TOLLGATE_COST_MODE: { text: 'measure', json: 'measure' },
  TOLLGATE_DEFAULT_LIST_SIZE: { text: '3', json: 3 },
  TOLLGATE_PRODUCTION: { text: 'true', json: true },
  TOLLGATE_LANDING_PAGE: { text: 'false', json: false },
  TOLLGATE_INTROSPECTION: { text: 'false', json: false },
  LOG_LEVEL: { text: 'debug', json: 'debug' },
  TOLLGATE_LOG_CLIENT_SECRET: { text: 'a-secret-of-16-chars', json: 'a-secret-of-16-chars' },
  TOLLGATE_DRAIN_GRACE_MS: { text: '0', json: 0 },
  TOLLGATE_DRAIN_TIMEOUT_MS: { text: '1000', json: 1000 },
  TOLLGATE_CONCURRENCY_LEASE_MS: { text: '5000', json: 5000 },
  TOLLGATE_TRUST_PROXY: { text: '10.0.0.0/8,192.168.1.1', json: ['10.0.0.0/8', '192.168.1.1'] },
  TOLLGATE_PROXY_HEADER: { text: 'Forwarded', json: 'forwarded' },
  TOLLGATE_IPV6_PREFIX: { text: '56', json: 56 },
  TOLLGATE_AUTH_FAILURES_MAX: { text: '3', json: 3 },
  TOLLGATE_AUTH_FAILURES_WINDOW: { text: '90s', json: '90s' },
  TOLLGATE_KEY_CACHE_MS: { text: '0', json: 0 },
  TOLLGATE_KEY_MAX_STALENESS_MS: { text: '60000', json: 60000 },
  TOLLGATE_KEYS_FILE: { text: '/var/lib/tollgate/keys.json', json: '/var/lib/tollgate/keys.json' },
  TOLLGATE_API_KEY_HEADER: { text: 'X-Key', json: 'X-Key' },
  TOLLGATE_API_KEY_BEARER: { text: 'false', json: false },
  TOLLGATE_CORS_ORIGINS: {
    text: 'https://a.example,http://localhost:5173',
    json: ['https://a.example', 'http://localhost:5173'],
  },
  TOLLGATE_SHED: { text: 'true', json: true },
  TOLLGATE_SHED_EVENT_LOOP_DELAY_MS: { text: '200', json: 200 },
  TOLLGATE_SHED_MAX_IN_FLIGHT: { text: '64', json: 64 },
  TOLLGATE_SHED_COOL_DOWN_MS: { text: '5000', json: 5000 },
};
for (const { setting } of settingsIn(SETTINGS)) {
  if (/^TOLLGATE_(TIER|MAX)_/.test(setting.env)) SAMPLES[setting.env] = { text: '7', json: 7 };
}

/** `{ a: { b: value } }` for the path `a.b`. */
function nest(path: string, value: unknown): TollgateSettings {
  return path
    .split('.')
    .reduceRight<unknown>((inner, name) => ({ [name]: inner }), value) as TollgateSettings;
}

describe('the file mirrors the environment', () => {
  const settings = settingsIn(SETTINGS);

  it('has a sample for every setting', () => {
    expect(settings.map(({ setting }) => setting.env).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it.each(settings.map(({ path, setting }) => [setting.env, path] as const))(
    '%s and "%s" set the same thing, in the file and in code',
    (env, path) => {
      const sample = SAMPLES[env] as { text: string; json: unknown };
      const fromEnv = loadConfig({ [env]: sample.text });
      expect(fromEnv).not.toEqual(loadConfig({}));
      expect(loadConfig({ TOLLGATE_CONFIG: configFile(nest(path, sample.json)) })).toEqual(fromEnv);
      expect(loadConfig({}, nest(path, sample.json))).toEqual(fromEnv);
    },
  );

  // Not the tests: some misspell names on purpose, to see them refused.
  it('knows every TOLLGATE_ variable the code and the README name', () => {
    const grep = ['-rhoE', 'TOLLGATE_[A-Z0-9_]+', 'src', 'README.md'];
    const used = execFileSync('grep', grep, {
      cwd: repoPath(''),
      encoding: 'utf8',
    });
    const known = new Set([...settings.map(({ setting }) => setting.env), ...OTHER_VARIABLES]);
    const families = /^TOLLGATE_(TIER|MAX)_$|^TOLLGATE_TIER_(ANONYMOUS|FREE|PRO)$/;
    const unknown = [...new Set(used.split('\n'))].filter(
      (name) => name !== '' && !known.has(name) && !families.test(name),
    );
    expect(unknown).toEqual([]);
  });
});
