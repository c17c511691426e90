import { afterAll, describe, expect, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { type RedisServer, startRedisServer } from '../../support/redis-server.js';
import { spawnTollgate } from '../../support/tollgate.js';

describe('SIGTERM while Redis hangs (SIGSTOP)', () => {
  let redis: RedisServer | undefined;
  afterAll(async () => {
    redis?.resume();
    await redis?.stop();
  });

  it('drains and exits 0 within the bounded close, not waiting on Redis forever', async () => {
    redis = await startRedisServer();
    const server = await spawnTollgate({ REDIS_URL: redis.url, TOLLGATE_DRAIN_GRACE_MS: '100' });
    // A keyed request leaves a last-used time to write, and both Redis connections open.
    const headers = { 'x-api-key': await createKeyInRedis(redis.url) };
    expect((await postGraphQL(server.url, '{ books(first: 1) { id } }', { headers })).status).toBe(200);
    redis.pause();
    try {
      const code = await Promise.race([
        server.stop(),
        new Promise<string>((resolve) => setTimeout(() => resolve('still running after 15 s'), 15_000)),
      ]);
      // Grace, then each close gives Redis at most a second to confirm: far inside 15 s.
      expect(code).toBe(0);
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    }
  }, 30_000);
});
