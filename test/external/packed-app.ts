import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port.js';

/** This repository's root. */
export const PROJECT_ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * The files the README shows as whole files: every fenced block right after a
 * `<!-- file: NAME -->` line. The external tests run exactly these.
 */
export function readmeFiles(): Map<string, string> {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const files = new Map<string, string>();
  for (const match of readme.matchAll(/<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)) {
    files.set(match[1] as string, `${match[2]}\n`);
  }
  return files;
}

/** The exact version this repository locks a package at (the app installs the same). */
function lockedVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));
  const version = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
  if (!version) throw new Error(`package.json does not list ${name}`);
  return version;
}

/**
 * Packs this repository (dist/ as the test run built it) and installs the tarball into an empty
 * project, with production dependencies only, as an app team would: `npm ci --omit=dev` from a
 * lock file. The project holds the README's files and the app's own `auth.js`. npm's cache was
 * filled by this repository's own install, so nothing here needs more than the registry it had.
 */
export async function installPackedApp(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-app-'));
  await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
    cwd: PROJECT_ROOT,
  });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack made no tarball');
  const dependencies: Record<string, string> = { tollgate: `file:./${tarball}` };
  // The app's own libraries: its server's, and the GraphQL clients the README's client programs use.
  const libraries = ['@apollo/server', 'graphql', 'express', '@as-integrations/express5'];
  for (const name of [...libraries, '@apollo/client', 'rxjs', '@urql/core', 'graphql-request']) {
    dependencies[name] = lockedVersion(name);
  }
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'my-api', private: true, type: 'module', dependencies }, null, 2),
  );
  for (const [name, text] of readmeFiles()) writeFileSync(join(dir, name), text);
  copyFileSync(new URL('./app/auth.js', import.meta.url), join(dir, 'auth.js'));
  const npm = { cwd: dir, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } };
  await run('npm', ['install', '--package-lock-only', '--prefer-offline'], npm);
  await run('npm', ['ci', '--omit=dev', '--prefer-offline'], npm);
  return dir;
}

/** A program of the app, running. */
export interface AppProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `node <file>` in the app's folder and waits for the line that names its endpoint: the
 * embedded programs print `ready at <url>`, `serve` logs `Tollgate ready at <url>`.
 */
export async function startAppProgram(
  dir: string,
  file: string,
  env: Record<string, string>,
): Promise<AppProcess> {
  // A port of its own rather than 0: the README's programs print the port they were given.
  const port = await freePort();
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /ready at (http:\/\/[^\s"]+)/.exec(output)?.[1];
      if (url) {
        resolve({
          url: url.replace('localhost', '127.0.0.1'),
          child,
          output: () => output,
          stop: () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            return exited;
          },
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`${file} exited with ${code}: ${output}`)));
  });
}

/** How a command ended. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function runCommand(command: string, args: string[], dir: string, env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Runs one of the package's commands (`npx tollgate-keys …`) in the app's folder. */
export function runBin(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  return runCommand('npx', ['--no-install', ...args], dir, env);
}

/** Runs `node <args>` in the app's folder, with `env` (beyond `PATH` and `HOME`). */
export function runNode(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandResult> {
  return runCommand(process.execPath, args, dir, env);
}
