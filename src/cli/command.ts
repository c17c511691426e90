import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Where a command writes: `process` in production, buffers in tests. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Wrong arguments: one line on stderr pointing to `--help`, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Whether the module at `moduleUrl` is the process's entry point (`tsx src/cli/x.ts`, or the
 * package's bin through npm's `.bin` symlink), not imported by tests. Both sides are resolved
 * to their real paths, so a symlink names the file it points to.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const invokedAs = process.argv[1];
  if (!invokedAs) return false;
  try {
    return realpathSync(invokedAs) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs a command the way every Tollgate command runs: `--help` or `-h` anywhere (before `--`)
 * prints `usage` on stdout and exits 0; a {@link UsageError} is one line on stderr and exit 2;
 * any other error is one line on stderr and exit 1. Never a stack trace.
 */
export async function runCommand(
  bin: string,
  usage: string,
  argv: readonly string[],
  io: CommandIo,
  run: () => Promise<number>,
): Promise<number> {
  const beforeTerminator = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (beforeTerminator.includes('--help') || beforeTerminator.includes('-h')) {
    io.stdout.write(`${usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await run();
  } catch (error) {
    const message = oneLine(error instanceof Error ? error.message : String(error));
    if (error instanceof UsageError) {
      io.stderr.write(`${bin}: ${message} (see ${bin} --help)\n`);
      return 2;
    }
    io.stderr.write(`${bin}: ${message}\n`);
    return 1;
  }
}

/** The options a command takes: each a string (`--name <value>`) or a flag. */
export type OptionTypes = Readonly<Record<string, 'string' | 'boolean'>>;

/** What {@link readCommandLine} found. */
export interface CommandLine<O extends OptionTypes> {
  readonly values: { readonly [K in keyof O]?: O[K] extends 'string' ? string : true };
  readonly positionals: readonly string[];
}

/**
 * Reads `argv` against `options`, refusing with a {@link UsageError} an unknown option, a string
 * option without a value (the next argument starting with `-` is not taken as one) and a flag
 * given a value. Node's own messages are not passed on: they span lines and name its internals.
 */
export function readCommandLine<O extends OptionTypes>(argv: readonly string[], options: O): CommandLine<O> {
  const types = Object.fromEntries(Object.entries(options).map(([name, type]) => [name, { type }]));
  const { tokens } = parseArgs({
    args: [...argv],
    options: types,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const type = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (type === undefined) throw new UsageError(`unknown option ${JSON.stringify(token.rawName)}`);
    if (type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`option ${token.rawName} takes no value`);
      values[token.name] = true;
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      throw new UsageError(`option ${token.rawName} needs a value`);
    } else {
      values[token.name] = token.value;
    }
  }
  return { values: values as CommandLine<O>['values'], positionals };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
