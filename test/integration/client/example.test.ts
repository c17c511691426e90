import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

const run = promisify(execFile);
const PROJECT_ROOT = new URL('../../../', import.meta.url).pathname;

describe('the pacing client example script', () => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // A fresh in-memory store: the anonymous bucket (keyed by 127.0.0.1) starts full.
    tollgate = await startTollgate({
      env: { TOLLGATE_TIER_ANONYMOUS_CAPACITY: '20', TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '100' },
    });
  });
  afterAll(() => tollgate.stop());

  it('runs 30 queries of 10 points through a 20-point bucket, all served', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/client/examples/pace-books.ts', '30'],
      { cwd: PROJECT_ROOT, env: { PATH: process.env.PATH, TOLLGATE_URL: tollgate.url } },
    );
    const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary).toMatchObject({ queries: 30, statuses: { 200: 30 }, costEach: 10, throttled: 0 });
    expect(summary.pacedMs).toBeGreaterThan(0);
  });
});
