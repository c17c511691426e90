import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's source folder (src/), as a path. */
export const SRC = new URL('../../src/', import.meta.url).pathname;

/** Every `.ts` file under `dir`, at any depth. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
export function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map(
    (match) => match[1] as string,
  );
}
