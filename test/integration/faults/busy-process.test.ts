import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postGraphQL } from '../../support/http-client.js';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';

/** The demo schema with `data` limited to 100 a minute. */
function schemaWithLimit100(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-schema-'));
  cpSync(new URL('../../../schema/bookstore/', import.meta.url).pathname, dir, { recursive: true });
  const file = join(dir, 'bookstore.graphql');
  writeFileSync(
    file,
    readFileSync(file, 'utf8').replace(
      '@rateLimit(max: 5, window: "60s")',
      '@rateLimit(max: 100, window: "60s")',
    ),
  );
  return dir;
}

describe('a burst that keeps the server busy', () => {
  let server: TollgateProcess;
  beforeAll(async () => {
    server = await spawnTollgate({
      REDIS_URL: inject('redisUrl'),
      BOOKSTORE_SCHEMA_DIR: schemaWithLimit100(),
      // The production deadline: a busy event loop makes Redis's replies late by more than this.
      TOLLGATE_REDIS_TIMEOUT_MS: '100',
      TOLLGATE_TIER_ANONYMOUS_CAPACITY: '100000',
      TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '100000',
      TOLLGATE_TIER_ANONYMOUS_MAX_COST: '100000',
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('is not taken for a Redis outage: of 1,000 concurrent calls exactly 100 are served', async () => {
    const client = `127.56.${Date.now() % 200}.${Math.floor(Math.random() * 200) + 1}`;
    const answers = await Promise.all(
      Array.from({ length: 1000 }, () =>
        postGraphQL(server.url, '{ data { message } }', { localAddress: client }),
      ),
    );
    expect(answers.filter((answer) => answer.body.data?.data != null)).toHaveLength(100);
    expect(server.output()).not.toContain('is unavailable');
  });
});
