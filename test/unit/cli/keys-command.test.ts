import { execFile } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runKeysCommand } from '../../../src/cli/keys.js';
import { repoPath } from '../cost/schemas.js';

const keysFile = () => join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'keys.json');

/** Runs the command in-process on a keys file of its own and captures what it writes. */
async function keys(argv: string[], env: NodeJS.ProcessEnv = { TOLLGATE_KEYS_FILE: keysFile() }) {
  let stdout = '';
  let stderr = '';
  const code = await runKeysCommand(
    argv,
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    },
    env,
  );
  return { code, stdout, stderr };
}

/** Runs `node --import tsx <script> …args` from the repository root; resolves whatever the exit status. */
async function processRun(script: string, ...args: string[]) {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoPath(''),
    env: { PATH: process.env.PATH, TOLLGATE_KEYS_FILE: keysFile() },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

function expectUsage(stdout: string): void {
  expect(stdout).toMatch(/^usage: tollgate-keys <command>/);
  for (const word of ['create', 'list', 'revoke', 'set-tier', '--name', '--tier', '--help']) {
    expect(stdout).toContain(word);
  }
  for (const variable of ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'TOLLGATE_KEYS_FILE'])
    expect(stdout).toContain(variable);
}

describe('tollgate-keys', () => {
  it('prints its usage on stdout for --help or -h, anywhere, and exits 0', async () => {
    for (const argv of [['--help'], ['-h'], ['create', '--nme', 'x', '--help'], ['revoke', '-h']]) {
      const result = await keys(argv);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.stderr).toBe('');
      expectUsage(result.stdout);
    }
  });

  it('prints its usage even when the configuration is bad', async () => {
    const result = await keys(['--help'], { TOLLGATE_TIER_FREE_CAPCITY: '1' });
    expect(result.code).toBe(0);
    expectUsage(result.stdout);
  });

  it.each([
    [['create', '--nme', 'x'], 'unknown option "--nme"'],
    [['list', '-x'], 'unknown option "-x"'],
    [['create', '--tier', 'free', '--name'], 'option --name needs a value'],
    [['create', '--name', '--tier', 'free'], 'option --name needs a value'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [[], 'no command given'],
    [['revoke'], 'revoke takes 1 argument, got 0'],
    [['create', '--name', 'x', '--tier', 'gold'], 'tier must be one of anonymous, free, pro, got "gold"'],
  ])('answers %j with one line on stderr and exit 2', async (argv, reason) => {
    const result = await keys(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`tollgate-keys: ${reason} (see tollgate-keys --help)\n`);
  });

  it('answers a bad configuration with one line and exit 1', async () => {
    const result = await keys(['list'], { TOLLGATE_TIER_FREE_CAPCITY: '1' });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      'tollgate-keys: unknown environment variable TOLLGATE_TIER_FREE_CAPCITY (did you mean TOLLGATE_TIER_FREE_CAPACITY?)\n',
    );
  });

  it('answers a key store it cannot write with one line naming it, and exit 1', async () => {
    // A file where the keys file's folder should be.
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'tollgate-keys-')), 'file');
    writeFileSync(notAFolder, '');
    const path = join(notAFolder, 'keys.json');
    const result = await keys(['create', '--name', 'x', '--tier', 'free'], { TOLLGATE_KEYS_FILE: path });
    expect(result.code).toBe(1);
    expect(result.stderr.startsWith(`tollgate-keys: the key store (file ${path}) failed: `)).toBe(true);
    expect(result.stderr).toMatch(/^[^\n]+\n$/);
  });

  it('creates, lists and revokes keys in the keys file', async () => {
    const env = { TOLLGATE_KEYS_FILE: keysFile() };
    const created = await keys(['create', '--name', 'ci', '--tier', 'pro'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^tg_\S+\n$/);
    const id = /Created key (\S+) /.exec(created.stderr)?.[1] as string;
    expect((await keys(['revoke', id], env)).stdout).toBe(`Key ${id} revoked.\n`);
    const listed = await keys(['list'], env);
    expect(listed.stdout).toMatch(new RegExp(`^${id} .* ci +pro .* revoked `, 'm'));
    expect(await keys(['revoke', 'nosuchkey0'], env)).toMatchObject({
      code: 1,
      stderr: 'tollgate-keys: there is no key "nosuchkey0"\n',
    });
  });

  it('runs as a process: --help exits 0, a bad option exits 2 with one line', async () => {
    const help = await processRun('src/cli/keys.ts', '--help');
    expect(help.code).toBe(0);
    expectUsage(help.stdout);
    const bad = await processRun('src/cli/keys.ts', 'list', '--nme');
    expect(bad).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'tollgate-keys: unknown option "--nme" (see tollgate-keys --help)\n',
    });
  });

  it('runs through a symlink, as npm links a package bin', async () => {
    const link = join(mkdtempSync(join(tmpdir(), 'tollgate-bin-')), 'tollgate-keys');
    symlinkSync(repoPath('src/cli/keys.ts'), link);
    const help = await processRun(link, '-h');
    expect(help.code).toBe(0);
    expectUsage(help.stdout);
  });
});
