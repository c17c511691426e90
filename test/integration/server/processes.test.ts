import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { createKeyInRedis } from '../../support/keys.js';
import { ProcessExit, spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

const SCHEMA_DIR = new URL('../../../schema/bookstore/', import.meta.url).pathname;
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the demo schema with one text replaced, in a folder of its own. */
function schemaWith(from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-schema-'));
  temporary.push(dir);
  cpSync(SCHEMA_DIR, dir, { recursive: true });
  const file = join(dir, 'bookstore.graphql');
  const sdl = readFileSync(file, 'utf8');
  expect(sdl).toContain(from);
  writeFileSync(file, sdl.replace(from, to));
  return dir;
}

describe('Tollgate as processes', () => {
  it('shares one Redis between two server processes: 5 served in total, not 10', async () => {
    const env = { REDIS_URL: inject('redisUrl') };
    const servers: TollgateProcess[] = await Promise.all([spawnTollgate(env), spawnTollgate(env)]);
    try {
      const headers = { 'x-api-key': await createKeyInRedis(inject('redisUrl')) };
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          postGraphQL((servers[i % 2] as TollgateProcess).url, '{ data { message } }', { headers }),
        ),
      );
      expect(answers.filter((answer) => answer.body.data?.data !== null)).toHaveLength(5);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
  });

  it.each([
    ['window: "abc"', '@rateLimit(max: 5, window: "abc")'],
    ['window: "0s"', '@rateLimit(max: 5, window: "0s")'],
    ['max: 0', '@rateLimit(max: 0, window: "60s")'],
    ['max: -1', '@rateLimit(max: -1, window: "60s")'],
  ])('refuses to start with a bad @rateLimit (%s), naming the field', async (_, directive) => {
    const dir = schemaWith('data: Data @rateLimit(max: 5, window: "60s")', `data: Data ${directive}`);
    const failure = await spawnTollgate({ BOOKSTORE_SCHEMA_DIR: dir }).then(
      async (server) => {
        await server.stop();
        throw new Error('the server started');
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProcessExit);
    expect((failure as ProcessExit).code).toBe(1);
    expect((failure as ProcessExit).output).toMatch(/@rateLimit on Query\.data: /);
    expect((failure as ProcessExit).output).not.toMatch(/\n\s+at /);
  });

  it('refuses to start with a bad configuration value, naming it', async () => {
    const failure = await spawnTollgate({ TOLLGATE_TIER_FREE_CAPACITY: 'lots' }).catch(
      (error: unknown) => error,
    );
    expect((failure as ProcessExit).code).toBe(1);
    expect((failure as ProcessExit).output).toContain('TOLLGATE_TIER_FREE_CAPACITY must be a number');
  });

  /** Starts the server expecting it to refuse; its exit and output. */
  async function startupFailure(env: Record<string, string>): Promise<ProcessExit> {
    const failure = await spawnTollgate(env).then(
      async (server) => {
        await server.stop();
        throw new Error('the server started');
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProcessExit);
    return failure as ProcessExit;
  }

  /** The one line an operator reads: `tollgate: …` on stderr, exit 1, no stack trace. */
  function expectOneLine(failure: ProcessExit, pattern: RegExp): void {
    expect(failure.code).toBe(1);
    const lines = failure.output.split('\n').filter((line) => line.startsWith('tollgate: '));
    expect(lines, failure.output).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(failure.output).not.toMatch(/\n\s+at /);
  }

  it('a port in use is one line naming the port, not a stack trace', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = holder.address() as AddressInfo;
      const failure = await startupFailure({ PORT: String(port) });
      expectOneLine(failure, new RegExp(`127\\.0\\.0\\.1:${port}.*in use.*EADDRINUSE`));
    } finally {
      holder.close();
    }
  });

  it('an undeclared directive in the SDL is one line naming it', async () => {
    const dir = schemaWith('data: Data @rateLimit(max: 5, window: "60s")', 'data: Data @throttle(max: 5)');
    expectOneLine(await startupFailure({ BOOKSTORE_SCHEMA_DIR: dir }), /Unknown directive "@throttle"/);
  });

  it('an unreadable schema folder is one line naming it', async () => {
    const missing = join(tmpdir(), 'tollgate-no-such-schema');
    expectOneLine(await startupFailure({ BOOKSTORE_SCHEMA_DIR: missing }), /tollgate-no-such-schema.*ENOENT/);
  });

  it('an unknown TOLLGATE_ variable stops start-up, naming it and the nearest valid one', async () => {
    const failure = await startupFailure({ TOLLGATE_TIER_FREE_CAPCITY: '10' });
    expectOneLine(failure, /TOLLGATE_TIER_FREE_CAPCITY.*TOLLGATE_TIER_FREE_CAPACITY/);
  });

  it('an unknown key in the configuration file stops start-up, naming it and the nearest valid one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
    temporary.push(dir);
    const file = join(dir, 'tollgate.json');
    writeFileSync(file, JSON.stringify({ tiers: { anonymus: { capacity: 10 } } }));
    const failure = await startupFailure({ TOLLGATE_CONFIG: file });
    expectOneLine(failure, /tiers\.anonymus.*tiers\.anonymous/);
  });

  it('starts on the in-memory store without REDIS_URL, and says so once', async () => {
    const server = await spawnTollgate({});
    try {
      const answer = await postGraphQL(server.url, '{ data { message } }');
      expect(answer.body.data).toEqual({ data: { message: 'Hello from Tollgate!' } });
      expect(server.output().match(/limits are kept in this process/g)).toHaveLength(1);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
