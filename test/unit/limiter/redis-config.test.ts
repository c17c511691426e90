import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('the Redis settings of loadConfig', () => {
  it('defaults to no cluster, the open policy and a 100 ms deadline', () => {
    expect(loadConfig({})).toMatchObject({
      redisClusterNodes: null,
      redis: { failurePolicy: 'open', timeoutMs: 100 },
    });
  });

  it('reads REDIS_CLUSTER_NODES, TOLLGATE_FAILURE_POLICY and TOLLGATE_REDIS_TIMEOUT_MS', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002',
      TOLLGATE_FAILURE_POLICY: 'closed',
      TOLLGATE_REDIS_TIMEOUT_MS: '250',
    });
    expect(config.redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(config.redis).toEqual({ failurePolicy: 'closed', timeoutMs: 250 });
  });

  it('takes the same settings from the config file, the environment winning', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-config-')), 'tollgate.json');
    writeFileSync(
      file,
      JSON.stringify({ redis: { clusterNodes: ['127.0.0.1:7000'], failurePolicy: 'closed', timeoutMs: 50 } }),
    );
    const config = loadConfig({ TOLLGATE_CONFIG: file, TOLLGATE_REDIS_TIMEOUT_MS: '80' });
    expect(config.redisClusterNodes).toEqual([{ host: '127.0.0.1', port: 7000 }]);
    expect(config.redis).toEqual({ failurePolicy: 'closed', timeoutMs: 80 });
  });

  it.each([
    [{ TOLLGATE_FAILURE_POLICY: 'maybe' }, /TOLLGATE_FAILURE_POLICY/],
    [{ TOLLGATE_REDIS_TIMEOUT_MS: '0' }, /TOLLGATE_REDIS_TIMEOUT_MS/],
    [{ TOLLGATE_REDIS_TIMEOUT_MS: 'fast' }, /TOLLGATE_REDIS_TIMEOUT_MS/],
    [{ REDIS_CLUSTER_NODES: 'redis-a' }, /REDIS_CLUSTER_NODES/],
    [{ REDIS_CLUSTER_NODES: 'redis-a:99999' }, /REDIS_CLUSTER_NODES/],
    [{ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://b' }, /REDIS_URL and REDIS_CLUSTER_NODES/],
  ])('refuses %o, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
