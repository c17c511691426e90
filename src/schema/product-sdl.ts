import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// schema/tollgate/ sits at the package root beside src/ and dist/, so one relative path serves
// both the sources (tsx, tests) and the compiled package.
const PRODUCT_SCHEMA_DIR = fileURLToPath(new URL('../../schema/tollgate/', import.meta.url));

/** The SDL of every `*.graphql` file in a folder, in name order. */
export function readSchemaFolder(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(folder, name), 'utf8'));
}

/**
 * Tollgate's own SDL, added to every schema it serves: the `@rateLimit`, `@cost` and `@listSize`
 * directives and the `rateLimit` query field. An app's SDL uses the directives without declaring
 * them. Apps that build their schema themselves include these type definitions.
 */
export const tollgateTypeDefs: readonly string[] = readSchemaFolder(PRODUCT_SCHEMA_DIR);
