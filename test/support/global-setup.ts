import { execFileSync } from 'node:child_process';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startRedisServer } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the integration tests share: `REDIS_URL`, or a `redis-server` started for this run. */
    redisUrl: string;
  }
}

/**
 * Compiles the package (dist/) once, so that the tests of what users run (`npm start`, the packed
 * package) run this tree's code; then starts one `redis-server` for the whole run unless
 * `REDIS_URL` names one, and stops it afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync('npm', ['run', '--silent', 'build'], {
    cwd: new URL('../../', import.meta.url),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const configured = process.env.REDIS_URL;
  if (configured) {
    project.provide('redisUrl', configured);
    return async () => {};
  }
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  return () => server.stop();
}
