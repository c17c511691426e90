#!/usr/bin/env node
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
  isTypeDefinitionNode,
  Kind,
  parse,
  validate,
} from 'graphql';
import { DEFAULT_LIST_SIZE } from '../config/settings.js';
import { createCostModel, estimateCostWithBreakdown } from '../cost/index.js';
import { tollgateTypeDefs } from '../schema/product-sdl.js';
import { type CommandIo, isEntryPoint, readCommandLine, runCommand, UsageError } from './command.js';

const BIN = 'tollgate-cost';

const USAGE = `usage: ${BIN} --schema <file or folder> <query file> [options]

Prices a GraphQL operation as a Tollgate server does, without running it, and prints
{ "cost": N, "fields": [{ "path", "coordinate", "cost", "multiplier", "listSize" }] } as JSON
on stdout. "listSize" says where a list's size came from: a slicing argument (an Int, a list's
length or an input path such as input.pagination.first) or assumedSize of "field" (the list, or
the field whose sizedFields reach it), else the default list size.

options:
  --schema <path>            the app's SDL: a .graphql file or a folder of them (required).
                             Tollgate's own SDL is added as the server adds it: the @cost,
                             @listSize and @rateLimit directives (unless the SDL declares them)
                             and the rateLimit query field
  --variables <json>         the operation's variables, a JSON object
  --operation <name>         the operation to price, when the file holds several
  --default-list-size <n>    size of a list with neither a slicing argument nor assumedSize
                             (default ${DEFAULT_LIST_SIZE}, as the server's TOLLGATE_DEFAULT_LIST_SIZE)
  -h, --help                 print this help and exit

exit status: 0 priced, 1 unreadable or invalid schema, query or variables, 2 wrong arguments`;

const OPTIONS = {
  schema: 'string',
  variables: 'string',
  operation: 'string',
  'default-list-size': 'string',
} as const;

/** Input that cannot be priced (files, SDL, query, variables): one line on stderr, exit 1. */
class InputError extends Error {}

/**
 * The `tollgate-cost` command: prices a query file against the app's SDL plus Tollgate's and
 * prints `{ "cost": N, "fields": [{ path, coordinate, cost, multiplier, listSize? }] }` as JSON on
 * stdout, `listSize` saying where a list's size came from.
 * Resolves to the exit status: 0 priced, 1 bad input (files, SDL, query, variables), 2 wrong
 * arguments; `--help` prints the usage and resolves to 0.
 */
export async function runCostCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(BIN, USAGE, argv, io, async () => {
    const options = readOptions(argv);
    const schema = buildSchema(await readSdl(options.schemaPath), options.schemaPath);
    const document = readQuery(await readText(options.queryPath, 'query'), options.queryPath, schema);
    const model = createCostModel(schema, { defaultListSize: options.defaultListSize });
    const { cost, fields } = estimateCostWithBreakdown(model, document, {
      variables: options.variables,
      operationName: options.operationName,
    });
    io.stdout.write(`${JSON.stringify({ cost, fields }, null, 2)}\n`);
    return 0;
  });
}

interface CostOptions {
  readonly schemaPath: string;
  readonly queryPath: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | undefined;
  readonly defaultListSize: number;
}

function readOptions(argv: readonly string[]): CostOptions {
  const { values, positionals } = readCommandLine(argv, OPTIONS);
  if (!values.schema) throw new UsageError('--schema is required');
  const [queryPath, ...extra] = positionals;
  if (!queryPath) throw new UsageError('no query file given');
  if (extra.length > 0) throw new UsageError(`one query file at a time, got ${positionals.length}`);
  return {
    schemaPath: values.schema,
    queryPath,
    variables: parseVariables(values.variables),
    operationName: values.operation,
    defaultListSize: parseListSize(values['default-list-size']),
  };
}

function parseVariables(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`--variables is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('--variables must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function parseListSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_SIZE;
  const size = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(size)) {
    throw new UsageError(`--default-list-size must be a whole number of at least 0, got "${text}"`);
  }
  return size;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(
      `cannot read ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
}

/** The SDL documents of a file, or of every `*.graphql` file of a folder (sorted, not recursive). */
async function readSdl(path: string): Promise<DocumentNode[]> {
  const info = await stat(path).catch(() => {
    throw new InputError(`cannot read schema ${path}: no such file or folder`);
  });
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((name) => name.endsWith('.graphql'))
        .sort()
        .map((name) => join(path, name))
    : [path];
  if (files.length === 0) throw new InputError(`no .graphql files in ${path}`);
  const documents: DocumentNode[] = [];
  for (const file of files) documents.push(parseOrFail(await readText(file, 'schema'), file));
  return documents;
}

function parseOrFail(text: string, file: string): DocumentNode {
  try {
    return parse(text);
  } catch (error) {
    throw new InputError(`${file}: ${(error as Error).message}`);
  }
}

/** The app's SDL plus Tollgate's, as the server builds its schema (src/schema/build-schema.ts). */
function buildSchema(documents: DocumentNode[], path: string): GraphQLSchema {
  const tollgate: DocumentNode = { kind: Kind.DOCUMENT, definitions: tollgateDefinitions(documents) };
  try {
    return makeExecutableSchema({ typeDefs: [tollgate, ...documents] });
  } catch (error) {
    throw new InputError(`cannot build the schema from ${path}: ${(error as Error).message}`);
  }
}

/**
 * Tollgate's SDL less what the app's already declares: SDL written for other tools declares
 * `@cost` and `@listSize` itself, and a schema printed from a Tollgate server has all of it.
 * Declaring a directive, a type or a field twice would not build.
 */
function tollgateDefinitions(app: readonly DocumentNode[]): DefinitionNode[] {
  const appDefinitions = app.flatMap((document) => document.definitions);
  const declared = new Set(
    appDefinitions.flatMap((d) =>
      d.kind === Kind.DIRECTIVE_DEFINITION || isTypeDefinitionNode(d) ? [d.name.value] : [],
    ),
  );
  const fieldsOf = (type: string) =>
    new Set(
      appDefinitions.flatMap((d) =>
        (d.kind === Kind.OBJECT_TYPE_DEFINITION || d.kind === Kind.OBJECT_TYPE_EXTENSION) &&
        d.name.value === type
          ? (d.fields ?? []).map((field) => field.name.value)
          : [],
      ),
    );
  return tollgateTypeDefs
    .flatMap((sdl) => parse(sdl).definitions)
    .flatMap((d): DefinitionNode[] => {
      if (d.kind === Kind.DIRECTIVE_DEFINITION || isTypeDefinitionNode(d))
        return declared.has(d.name.value) ? [] : [d];
      if (d.kind !== Kind.OBJECT_TYPE_EXTENSION) return [d];
      const existing = fieldsOf(d.name.value);
      const fields = (d.fields ?? []).filter((field) => !existing.has(field.name.value));
      return fields.length === 0 ? [] : [{ ...d, fields }];
    });
}

function readQuery(text: string, path: string, schema: GraphQLSchema): DocumentNode {
  const document = parseOrFail(text, path);
  const errors = validate(schema, document);
  if (errors.length > 0) {
    throw new InputError(`${path} does not validate: ${errors.map((e) => e.message).join(' ')}`);
  }
  return document;
}

if (isEntryPoint(import.meta.url)) {
  process.exitCode = await runCostCommand(process.argv.slice(2), process);
}
