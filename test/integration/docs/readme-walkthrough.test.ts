import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

const run = promisify(execFile);
const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>;
};

/** The `sh` code blocks of one README section, in order. */
function shellBlocks(heading: string): string[] {
  const start = README.indexOf(`## ${heading}\n`);
  expect(start, `README has a section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  const section = README.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('the README walkthrough, run as written against `npm start`', () => {
  let server: TollgateProcess;
  let blocks: string[];
  const runBlock = async (index: number) => {
    const script = (blocks[index] ?? '').replaceAll('localhost:4000', new URL(server.url).host);
    return (await run('bash', ['-c', script])).stdout;
  };

  beforeAll(async () => {
    server = await spawnTollgate({});
    blocks = shellBlocks('A walkthrough with curl');
    expect(blocks).toHaveLength(3);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves `data` five times a minute, then answers RATE_LIMITED with partial data', async () => {
    const lines = (await runBlock(0)).split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(0, 5))
      expect(JSON.parse(line).data).toEqual({ data: { message: 'Hello from Tollgate!' } });
    const limited = JSON.parse(lines[5] as string);
    expect(limited.data).toEqual({ data: null });
    expect(limited.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 5,
      window: '60s',
      retryAfter: 60,
    });
    expect(limited.extensions.cost).toMatchObject({ requestedQueryCost: 1, actualQueryCost: 0 });
  });

  it('prices the books query at 80, charges its actual 68, and says so in the headers', async () => {
    const output = await runBlock(1);
    expect(output).toContain('ratelimit-policy: "anonymous";q=500;w=20;tollgate-qu="points"');
    expect(output).toMatch(/ratelimit: "anonymous";r=4\d\d;t=3/);
    expect(output).toContain('"requestedQueryCost":80,"actualQueryCost":68');
  });

  it('prices a query without running it', async () => {
    const answer = JSON.parse(await runBlock(2));
    expect(answer.data).toEqual({
      rateLimit: { cost: 50, remaining: expect.any(Number), resetAt: expect.any(String) },
    });
  });

  it('names only npm scripts that exist', () => {
    const named = [...README.matchAll(/npm run ([a-z:]+)/g)].map((match) => match[1] as string);
    expect(named.length).toBeGreaterThan(5);
    for (const script of new Set(named)) expect(packageJson.scripts, script).toHaveProperty(script);
  });
});
