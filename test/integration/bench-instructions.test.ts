import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countServerInstructions, underCallgrind } from '../bench/callgrind.js';
import { startServer } from '../bench/processes.js';
import { freePort } from '../support/free-port.js';

// A server with work of a known size per request: 200,000 additions, far above what the HTTP
// path around it costs (some tens of thousands of instructions).
const COUNTED_SERVER = `
import { createServer } from 'node:http';
createServer((request, response) => {
  if (request.url === '/health') return void response.end('ok');
  request.resume();
  request.on('end', () => {
    let sum = 0;
    for (let i = 0; i < 200000; i++) sum += i % 7;
    response.end(String(sum));
  });
}).listen(Number(process.env.PORT), process.env.HOST);
`;

const dir = mkdtempSync(join(tmpdir(), 'tollgate-counted-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('counting a server’s instructions over HTTP (npm run bench:instructions -- --http)', () => {
  it('zeroes and dumps a server started under callgrind around each run, per operation', {
    timeout: 120_000,
  }, async () => {
    const entry = join(dir, 'counted-server.mjs');
    writeFileSync(entry, COUNTED_SERVER);
    // Started well within the test's own time, so that a slow start fails here instead of leaving a server behind.
    const server = await startServer(
      entry,
      await freePort(),
      {},
      { ...underCallgrind(dir), startTimeoutMs: 60_000 },
    );
    try {
      const send = async (ops: number) => {
        for (let i = 0; i < ops; i++)
          expect((await fetch(server.url, { method: 'POST', body: '{}' })).status).toBe(200);
      };
      const counts = await countServerInstructions(server, dir, send, { warmUpOps: 20, ops: 10, runs: 2 });
      expect(counts).toHaveLength(2);
      for (const perOperation of counts) {
        // At least two instructions per iteration of the loop; optimised during the warm-up, a few
        // per iteration: a few million per operation, where the ten operations' total would be
        // tens of millions.
        expect(perOperation).toBeGreaterThan(400_000);
        expect(perOperation).toBeLessThan(20_000_000);
      }
    } finally {
      await server.stop();
    }
  });

  it('refuses at once, naming it, a wrapper command that is not installed', async () => {
    const started = startServer(
      join(dir, 'none.mjs'),
      await freePort(),
      {},
      { wrapper: ['tollgate-no-such-valgrind'] },
    );
    await expect(started).rejects.toThrow(/could not start tollgate-no-such-valgrind: .*ENOENT/);
  });
});
