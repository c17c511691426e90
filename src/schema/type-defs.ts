import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DocumentNode } from 'graphql';

/**
 * An app's SDL: text, a parsed document (`gql`), or a `file:` URL of a `.graphql` file or of a
 * folder of them (read in name order) — or several of these.
 */
export type TypeDefs = string | DocumentNode | URL | ReadonlyArray<string | DocumentNode | URL>;

/**
 * The app's schema cannot be built: a file that cannot be read, SDL that does not parse, a type
 * or directive that is not defined. Raised at start-up only; the message is one line.
 */
export class SchemaError extends Error {
  override name = 'SchemaError';
}

const SDL_FILE = /\.(graphql|graphqls|gql)$/;

/** The SDL of one type-defs source; files and folders are read here, so their errors are coded. */
export function resolveTypeDefs(typeDefs: TypeDefs): Array<string | DocumentNode> {
  const sources = Array.isArray(typeDefs) ? typeDefs : [typeDefs as string | DocumentNode | URL];
  return sources.flatMap((source) => (source instanceof URL ? readSdlAt(source) : [source]));
}

function readSdlAt(url: URL): string[] {
  if (url.protocol !== 'file:') throw new SchemaError(`typeDefs: ${url.href} is not a file: URL`);
  const path = fileURLToPath(url);
  try {
    if (!statSync(path).isDirectory()) return [readFileSync(path, 'utf8')];
    const files = readdirSync(path)
      .filter((name) => SDL_FILE.test(name))
      .sort();
    if (files.length === 0) throw new SchemaError(`typeDefs: no .graphql files in ${path}`);
    return files.map((name) => readFileSync(join(path, name), 'utf8'));
  } catch (error) {
    if (error instanceof SchemaError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SchemaError(`typeDefs: cannot read ${path} (${code})`);
  }
}
