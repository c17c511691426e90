import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runKeysCommand } from '../../../src/cli/keys.js';
import { parseApiKey } from '../../../src/identity/api-key.js';
import { postGraphQL } from '../../support/http-client.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

const run = promisify(execFile);
const PROJECT_ROOT = new URL('../../../', import.meta.url).pathname;

/** Runs the `keys` command in-process against the test Redis; rejects like a failed process would. */
async function keys(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  };
  const code = await runKeysCommand(args, io, { REDIS_URL: inject('redisUrl') });
  if (code !== 0) throw Object.assign(new Error(stderr), { code, stdout, stderr });
  return { stdout, stderr };
}

describe('API keys across server processes', () => {
  let servers: TollgateProcess[];
  beforeAll(async () => {
    const env = { REDIS_URL: inject('redisUrl'), TOLLGATE_TIER_PRO_CAPACITY: '7777' };
    servers = await Promise.all([spawnTollgate(env), spawnTollgate(env)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('creates a key that works in its tier, lists it without the secret, and revokes it everywhere within a second', async () => {
    const [first, second] = servers as [TollgateProcess, TollgateProcess];
    const created = await keys('create', '--name', 'acme-ci', '--tier', 'pro');
    const key = created.stdout.trim();
    const parsed = parseApiKey(key);
    expect(parsed).not.toBeNull();
    expect(created.stderr).toContain('shown only once');

    const served = await postGraphQL(first.url, '{ books(first: 2) { id } }', {
      headers: { 'x-api-key': key },
    });
    expect(served.status).toBe(200);
    expect(served.body.extensions?.cost).toMatchObject({ throttleStatus: { maximumAvailable: 7777 } });
    expect(served.headers['ratelimit-policy']).toBe('"pro";q=7777;w=16;tollgate-qu="points"');
    // The second process has the key in its cache too, so the revocation must outlive a cached copy.
    const bearer = { authorization: `Bearer ${key}` };
    expect((await postGraphQL(second.url, '{ rateLimit { cost } }', { headers: bearer })).status).toBe(200);

    const listed = await keys('list');
    expect(listed.stdout).toContain(`tg_${parsed?.id}_…`);
    expect(listed.stdout).toContain('acme-ci');
    expect(listed.stdout).not.toContain(parsed?.secret);

    await keys('revoke', parsed?.id ?? '');
    const revokedAt = Date.now();
    let refusedAfterMs = Number.POSITIVE_INFINITY;
    while (Date.now() - revokedAt < 3000) {
      const answer = await postGraphQL(second.url, '{ rateLimit { cost } }', { headers: bearer });
      if (answer.status === 401) {
        refusedAfterMs = Date.now() - revokedAt;
        expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        break;
      }
      await sleep(50);
    }
    expect(refusedAfterMs).toBeLessThanOrEqual(1000);
    expect((await keys('list')).stdout).toMatch(/revoked \d{4}-/);
  });

  it('moves a key to another tier with set-tier', async () => {
    const key = (await keys('create', '--name', 'upgrade-me', '--tier', 'free')).stdout.trim();
    const id = parseApiKey(key)?.id ?? '';
    await keys('set-tier', id, 'pro');
    await sleep(600);
    const answer = await postGraphQL((servers[0] as TollgateProcess).url, '{ rateLimit { limit } }', {
      headers: { 'x-api-key': key },
    });
    expect(answer.body.data).toEqual({ rateLimit: { limit: 7777 } });
  });

  it('answers wrong arguments with the usage and a non-zero exit', async () => {
    for (const args of [
      [],
      ['create', '--name', 'x'],
      ['create', '--tier', 'gold', '--name', 'x'],
      ['revoke'],
      ['frobnicate'],
      ['list', '--bogus'],
    ]) {
      const failure = await keys(...args).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code, args.join(' ')).toBe(2);
      expect(failure?.stderr, args.join(' ')).toMatch(/^tollgate-keys: .+ \(see tollgate-keys --help\)\n$/);
    }
    const unknown = await keys('revoke', 'nosuchkey0').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(unknown).toMatchObject({ code: 1 });
  });

  it('is the `npm run keys` command operators run', async () => {
    const { stdout } = await run(
      'npm',
      ['run', '--silent', 'keys', '--', 'create', '--name', 'npm', '--tier', 'free'],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, REDIS_URL: inject('redisUrl') },
      },
    );
    expect(parseApiKey(stdout.trim())).not.toBeNull();
  });
});
