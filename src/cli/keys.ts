#!/usr/bin/env node
import { loadConfig, TIER_NAMES, type TierName, type TollgateConfig } from '../config/index.js';
import { displayKey } from '../identity/api-key.js';
import { createApiKey, openKeyStore } from '../identity/api-keys.js';
import type { KeyStore } from '../identity/key-store.js';
import { redactUrl } from '../observe/safe-config.js';
import {
  type CommandIo,
  type CommandLine,
  isEntryPoint,
  readCommandLine,
  runCommand,
  UsageError,
} from './command.js';

const BIN = 'tollgate-keys';

const USAGE = `usage: ${BIN} <command> [options]

Creates, lists and revokes the API keys Tollgate servers accept.

commands:
  create --name <name> --tier <tier>   create a key and print it on stdout (shown once)
  list                                 list keys (by prefix; secrets are never shown)
  revoke <id>                          revoke a key: servers refuse it once their key cache
                                       expires (TOLLGATE_KEY_CACHE_MS, half a second by default)
  set-tier <id> <tier>                 move a key to another tier

options:
  --name <name>    the new key's name (create)
  --tier <tier>    the new key's tier: ${TIER_NAMES.join(', ')} (create)
  -h, --help       print this help and exit

Keys live where the servers read them: in Redis when REDIS_URL (or REDIS_CLUSTER_NODES, a Redis
Cluster) is set, else in the file TOLLGATE_KEYS_FILE (default ~/.local/share/tollgate/keys.json).
These and the other settings are read as the server reads them, TOLLGATE_CONFIG included.

exit status: 0 done, 1 failed (no such key, store unreachable, bad configuration), 2 wrong arguments`;

const OPTIONS = { name: 'string', tier: 'string' } as const;

type Options = CommandLine<typeof OPTIONS>['values'];

/**
 * The `tollgate-keys` command for operators. Resolves to the exit status: 0 done, 1 failed
 * (unknown key, unreachable store, bad configuration), 2 wrong arguments; `--help` prints the
 * usage and resolves to 0. Whatever goes wrong is one line on stderr.
 */
export async function runKeysCommand(
  argv: readonly string[],
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return runCommand(BIN, USAGE, argv, io, async () => {
    const { positionals, values } = readCommandLine(argv, OPTIONS);
    const [command, ...rest] = positionals;
    const run = command === undefined ? undefined : COMMANDS[command];
    if (!run)
      throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
    const config = loadConfig(env);
    const store = await openKeyStore(config);
    try {
      return await run(store, rest, values, io);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new Error(`the key store (${whereKeysLive(config)}) failed: ${(error as Error).message}`);
    } finally {
      await store.close();
    }
  });
}

type Command = (store: KeyStore, args: readonly string[], options: Options, io: CommandIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  async create(store, args, options, io) {
    expectArgs('create', args, 0);
    if (!options.name?.trim()) throw new UsageError('create needs --name');
    const { key, record } = await createApiKey(store, options.name.trim(), tierOf(options.tier));
    io.stdout.write(`${key}\n`);
    io.stderr.write(
      `Created key ${record.id} (${record.name}, tier ${record.tier}). It is shown only once.\n`,
    );
    return 0;
  },
  async list(store, args, _options, io) {
    expectArgs('list', args, 0);
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
    const [id] = expectArgs('revoke', args, 1);
    return reportChange(await store.update(id, { revokedAt: new Date().toISOString() }), id, 'revoked', io);
  },
  async 'set-tier'(store, args, _options, io) {
    const [id, tier] = expectArgs('set-tier', args, 2);
    return reportChange(await store.update(id, { tier: tierOf(tier) }), id, `moved to tier ${tier}`, io);
  },
};

function expectArgs(command: string, args: readonly string[], count: 0): [];
function expectArgs(command: string, args: readonly string[], count: 1): [string];
function expectArgs(command: string, args: readonly string[], count: 2): [string, string];
function expectArgs(command: string, args: readonly string[], count: number): readonly string[] {
  if (args.length !== count) {
    throw new UsageError(`${command} takes ${count} argument${count === 1 ? '' : 's'}, got ${args.length}`);
  }
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
    io.stderr.write(`${BIN}: there is no key ${JSON.stringify(id)}\n`);
    return 1;
  }
  io.stdout.write(`Key ${id} ${what}.\n`);
  return 0;
}

function whereKeysLive(config: TollgateConfig): string {
  if (config.redisUrl) return `Redis at ${redactUrl(config.redisUrl)}`;
  const nodes = config.redisClusterNodes?.map(({ host, port }) => `${host}:${port}`);
  return nodes ? `Redis Cluster at ${nodes.join(',')}` : `file ${config.identity.keysFile}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  return rows.map((row) => `${line(row).trimEnd()}\n`).join('');
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runKeysCommand(process.argv.slice(2), process);
}
