import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { type DefinitionNode, type DocumentNode, type GraphQLSchema, Kind, parse, validate } from 'graphql';
import { createCostModel, estimateCostWithBreakdown } from '../cost/index.js';
import { type CommandIo, isEntryPoint } from './command.js';

export type { CommandIo } from './command.js';

const USAGE =
  'usage: npm run cost -- --schema <file or folder of SDL> <query file> ' +
  "[--variables '<json>'] [--operation <name>] [--default-list-size N]";

/** The declarations of Tollgate's directives, added to SDL that uses them without declaring them. */
const DIRECTIVES_FILE = fileURLToPath(new URL('../../schema/tollgate/directives.graphql', import.meta.url));

/** An input problem: reported as one line on stderr with its exit code, never as a stack trace. */
class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/**
 * The `cost` command: prices a query file against a schema and prints
 * `{ "cost": N, "fields": [{ path, coordinate, cost, multiplier }] }` as JSON on stdout.
 * Resolves to the exit code: 0 priced, 1 bad input (files, SDL, query, variables), 2 bad usage.
 */
export async function runCostCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const options = readOptions(argv);
    const directives = parseOrFail(await readText(DIRECTIVES_FILE, 'directives'), DIRECTIVES_FILE);
    const schema = buildSchema(await readSdl(options.schemaPath), directives, options.schemaPath);
    const document = readQuery(await readText(options.queryPath, 'query'), options.queryPath, schema);
    const model = createCostModel(schema, { defaultListSize: options.defaultListSize });
    const { cost, fields } = estimateCostWithBreakdown(model, document, {
      variables: options.variables,
      operationName: options.operationName,
    });
    io.stdout.write(`${JSON.stringify({ cost, fields }, null, 2)}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`cost: ${oneLine(message)}\n`);
    return error instanceof CommandError ? error.exitCode : 1;
  }
}

interface CommandOptions {
  readonly schemaPath: string;
  readonly queryPath: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | undefined;
  readonly defaultListSize: number;
}

function readOptions(argv: readonly string[]): CommandOptions {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    throw new CommandError(`${error instanceof Error ? error.message : String(error)}; ${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  const [queryPath, ...extra] = positionals;
  if (!values.schema || !queryPath || extra.length > 0) throw new CommandError(USAGE, 2);
  return {
    schemaPath: values.schema,
    queryPath,
    variables: parseVariables(values.variables),
    operationName: values.operation,
    defaultListSize: parseListSize(values['default-list-size']),
  };
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      schema: { type: 'string' },
      variables: { type: 'string' },
      operation: { type: 'string' },
      'default-list-size': { type: 'string' },
    },
  });
}

function parseVariables(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CommandError(`--variables is not valid JSON: ${(error as Error).message}`, 1);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CommandError('--variables must be a JSON object', 1);
  }
  return value as Record<string, unknown>;
}

function parseListSize(text: string | undefined): number {
  // The server's default (TOLLGATE_DEFAULT_LIST_SIZE) is 10 as well.
  if (text === undefined) return 10;
  const size = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(size)) {
    throw new CommandError(`--default-list-size must be a non-negative integer, got "${text}"`, 2);
  }
  return size;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CommandError(
      `cannot read ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      1,
    );
  }
}

/** The SDL documents of a file, or of every `*.graphql` file of a folder (sorted, not recursive). */
async function readSdl(path: string): Promise<DocumentNode[]> {
  const info = await stat(path).catch(() => {
    throw new CommandError(`cannot read schema ${path}: no such file or folder`, 1);
  });
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((name) => name.endsWith('.graphql'))
        .sort()
        .map((name) => join(path, name))
    : [path];
  if (files.length === 0) throw new CommandError(`no .graphql files in ${path}`, 1);
  const documents: DocumentNode[] = [];
  for (const file of files) documents.push(parseOrFail(await readText(file, 'schema'), file));
  return documents;
}

function parseOrFail(text: string, file: string): DocumentNode {
  try {
    return parse(text);
  } catch (error) {
    throw new CommandError(`${file}: ${(error as Error).message}`, 1);
  }
}

/** Builds the schema, declaring `@cost`, `@listSize` and `@rateLimit` from schema/tollgate/directives.graphql when the SDL does not. */
function buildSchema(documents: DocumentNode[], directives: DocumentNode, path: string): GraphQLSchema {
  const declared = new Set(
    documents
      .flatMap((doc) => doc.definitions)
      .flatMap((d) => (d.kind === Kind.DIRECTIVE_DEFINITION ? [d.name.value] : [])),
  );
  const missing = directives.definitions.filter(
    (d: DefinitionNode) => d.kind === Kind.DIRECTIVE_DEFINITION && !declared.has(d.name.value),
  );
  try {
    return makeExecutableSchema({ typeDefs: [...documents, { kind: Kind.DOCUMENT, definitions: missing }] });
  } catch (error) {
    throw new CommandError(`cannot build the schema from ${path}: ${(error as Error).message}`, 1);
  }
}

function readQuery(text: string, path: string, schema: GraphQLSchema): DocumentNode {
  const document = parseOrFail(text, path);
  const errors = validate(schema, document);
  if (errors.length > 0) {
    throw new CommandError(`${path} does not validate: ${errors.map((e) => e.message).join(' ')}`, 1);
  }
  return document;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runCostCommand(process.argv.slice(2), process);
}
