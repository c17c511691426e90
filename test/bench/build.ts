import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The project's folder, with a trailing slash. */
export const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** Where test/bench/tsconfig.servers.json compiles the alternatives (the tree mirrors the project's). */
export const BUILD_DIR = `${PROJECT_ROOT}test/bench/results/build/`;

/** Tollgate's entry as production starts it (`npm start`): the compiled package. */
export const TOLLGATE_ENTRY = 'dist/main.js';
/** The alternatives' entry, compiled like Tollgate's, so that no contender pays for tsx. */
export const ALTERNATIVE_ENTRY = 'test/bench/results/build/test/bench/servers/alternative.js';
/** The entry of the in-process section's runs, compiled likewise. */
export const IN_PROCESS_ENTRY = 'test/bench/results/build/test/bench/servers/in-process.js';

/**
 * Compiles every contender to JavaScript before the bench starts them: the package (dist/, as
 * `npm start` does) and the alternative servers (with the sources they import). Both builds are
 * incremental, so a second run is quick.
 */
export function buildContenders(): void {
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  run('npm', ['run', '--silent', 'build']);
  run(process.execPath, [TSC, '-p', 'test/bench/tsconfig.servers.json']);
  // The compiled sources find schema/ one folder above src/, as in the project and in dist/.
  if (!existsSync(`${BUILD_DIR}schema`)) symlinkSync(`${PROJECT_ROOT}schema`, `${BUILD_DIR}schema`);
}
