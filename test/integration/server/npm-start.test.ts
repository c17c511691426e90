import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { temporaryKeysFile } from '../../support/tollgate.js';

const PROJECT_ROOT = new URL('../../../', import.meta.url).pathname;
const QUERY = JSON.stringify({ query: '{ books(first: 2) { title } }' });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** POSTs QUERY with its body in two halves, the second sent once `between` resolves. */
function postInTwoHalves(url: string, between: Promise<void>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(QUERY) },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write(QUERY.slice(0, 10));
    void between.then(() => req.end(QUERY.slice(10)));
  });
}

describe('npm start', () => {
  it('runs the compiled server in npm’s own child: SIGTERM to npm drains in-flight requests and exits 0', async () => {
    const npm = spawn('npm', ['start'], {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '0',
        HOST: '127.0.0.1',
        TOLLGATE_KEYS_FILE: temporaryKeysFile(),
        TOLLGATE_DRAIN_GRACE_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    const ready = new Promise<{ url: string; pid: number }>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const line = output.split('\n').find((text) => text.includes('Tollgate ready at'));
        if (line) {
          const log = JSON.parse(line) as { url: string; pid: number };
          resolve({ url: log.url.replace('localhost', '127.0.0.1'), pid: log.pid });
        }
      };
      npm.stdout.on('data', onData);
      npm.stderr.on('data', onData);
      void exited.then((code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    const { url, pid } = await ready;
    // Production runs compiled JavaScript: no tsx in the server process.
    expect(output).toContain('node dist/main.js');
    expect(pid).not.toBe(npm.pid);

    let signalled: () => void = () => {};
    const afterSignal = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    const inFlight = postInTwoHalves(
      url,
      afterSignal.then(() => sleep(200)),
    );
    await sleep(200);
    npm.kill('SIGTERM');
    signalled();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data.books).toHaveLength(2);
    expect(await exited).toBe(0);
    expect(output).toMatch(/"msg":"draining"/);
    // Nothing left behind: the server process itself is gone.
    await sleep(100);
    expect(isAlive(pid)).toBe(false);
  }, 60_000);
});
