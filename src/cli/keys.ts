import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, TIER_NAMES, type TierName } from '../config/index.js';
import { displayKey } from '../identity/api-key.js';
import { createApiKey, openKeyStore } from '../identity/api-keys.js';
import type { KeyStore } from '../identity/key-store.js';
import { type CommandIo, isEntryPoint } from './command.js';

const USAGE = `usage: npm run keys -- <command>
  create --name <name> --tier <${TIER_NAMES.join('|')}>   create a key and print it (shown once)
  list                                     list keys (by prefix; secrets are never shown)
  revoke <id>                              revoke a key: every server refuses it within a second
  set-tier <id> <${TIER_NAMES.join('|')}>               move a key to another tier
Keys live in Redis when REDIS_URL (or REDIS_CLUSTER_NODES) is set, else in TOLLGATE_KEYS_FILE.`;

/** Wrong arguments: usage is printed and the command exits 2. */
class UsageError extends Error {}

/**
 * The `keys` command for operators. Resolves to the exit code: 0 done, 1 failed (unknown key,
 * unreachable store, bad configuration), 2 wrong arguments (with the usage).
 */
export async function runKeysCommand(
  argv: readonly string[],
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let store: KeyStore | undefined;
  try {
    const { positionals, values } = parseArgs({
      args: [...argv],
      options: { name: { type: 'string' }, tier: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const [command, ...rest] = positionals;
    const run = COMMANDS[command ?? ''];
    if (!run) throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
    store = await openKeyStore(loadConfig(env));
    return await run(store, rest, values, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`keys: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    const known = error instanceof ConfigError;
    io.stderr.write(`keys: ${known ? (error as Error).message : `failed: ${(error as Error).message}`}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

type Command = (
  store: KeyStore,
  args: string[],
  options: { name?: string; tier?: string },
  io: CommandIo,
) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  async create(store, args, options, io) {
    expectArgs(args, 0);
    if (!options.name?.trim()) throw new UsageError('create needs --name');
    const { key, record } = await createApiKey(store, options.name.trim(), tierOf(options.tier));
    io.stdout.write(`${key}\n`);
    io.stderr.write(
      `Created key ${record.id} (${record.name}, tier ${record.tier}). It is shown only once.\n`,
    );
    return 0;
  },
  async list(store, args, _options, io) {
    expectArgs(args, 0);
    const rows = (await store.list()).map((record) => [
      record.id,
      displayKey(record.id),
      record.name,
      record.tier,
      record.createdAt,
      record.lastUsedAt ?? '-',
      record.revokedAt ? `revoked ${record.revokedAt}` : 'active',
    ]);
    io.stdout.write(table([['ID', 'KEY', 'NAME', 'TIER', 'CREATED', 'LAST USED', 'STATUS'], ...rows]));
    return 0;
  },
  async revoke(store, args, _options, io) {
    const [id] = expectArgs(args, 1);
    return reportChange(await store.update(id, { revokedAt: new Date().toISOString() }), id, 'revoked', io);
  },
  async 'set-tier'(store, args, _options, io) {
    const [id, tier] = expectArgs(args, 2);
    return reportChange(await store.update(id, { tier: tierOf(tier) }), id, `moved to tier ${tier}`, io);
  },
};

function expectArgs(args: string[], count: 0): [];
function expectArgs(args: string[], count: 1): [string];
function expectArgs(args: string[], count: 2): [string, string];
function expectArgs(args: string[], count: number): string[] {
  if (args.length !== count) throw new UsageError(`expected ${count} argument(s), got ${args.length}`);
  return args;
}

function tierOf(text: string | undefined): TierName {
  if (!text || !(TIER_NAMES as readonly string[]).includes(text)) {
    throw new UsageError(`tier must be one of ${TIER_NAMES.join(', ')}, got ${JSON.stringify(text ?? '')}`);
  }
  return text as TierName;
}

function reportChange(found: boolean, id: string, what: string, io: CommandIo): number {
  if (!found) {
    io.stderr.write(`keys: there is no key ${JSON.stringify(id)}\n`);
    return 1;
  }
  io.stdout.write(`Key ${id} ${what}.\n`);
  return 0;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runKeysCommand(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
