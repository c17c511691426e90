import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnTollgate, type TollgateProcess } from '../../support/tollgate.js';
import { createRandom } from './fuzz-cases.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x2f_2f_5b);
const RANDOM_TARGETS = 400;

/** Targets that once crashed the process (a URL parser throwing outside the handler's `try`). */
const KNOWN_KILLERS = ['//', '/\\', '//[', '//a:99999', '//[::1', '//a:b@', '//%', '///', '//?', '//#'];
const FORMS = [
  '*',
  'example.com:443',
  'http://example.com/graphql',
  'http://[::1]:99999/graphql',
  'http://',
  'https://a:b@/graphql?x',
  'graphql',
  '/graphql?',
  '/graphql#frag',
  '/graphql/../graphql',
  '/%00',
  '/%zz',
  '/health?',
  '/metrics/..',
];
const ALPHABET = '/\\[]:@?#%.-_~!$&\'()*+,;=azAZ09 "<>^`{|}\u0001\u007f\u00e9';

function randomTarget(random: ReturnType<typeof createRandom>): string {
  const length = 1 + random.int(24);
  let target = random.chance(0.7) ? '/' : '';
  for (let i = 0; i < length; i++) target += random.pick([...ALPHABET]);
  return target;
}

/**
 * Writes one request line by hand (a client library would refuse or repair these targets) and
 * resolves with the status code of the answer, or `null` when the connection closed unanswered.
 */
function sendRequestLine(port: number, target: string, method = 'GET'): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setTimeout(5000, () => reject(new Error(`no answer to ${JSON.stringify(target)} in 5 s`)));
    socket.on('connect', () =>
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, 'latin1'),
    );
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      resolve(status ? Number(status) : null);
    });
  });
}

describe(`request-line fuzz: ${KNOWN_KILLERS.length + FORMS.length + RANDOM_TARGETS} odd targets (seed ${SEED})`, () => {
  let server: TollgateProcess;
  let port: number;
  beforeAll(async () => {
    server = await spawnTollgate({});
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.stop());

  it('answers every target with a status below 500, and the process lives on', async () => {
    const random = createRandom(SEED);
    const targets = [
      ...KNOWN_KILLERS,
      ...FORMS,
      ...Array.from({ length: RANDOM_TARGETS }, () => randomTarget(random)),
    ];
    const unanswered: string[] = [];
    const serverErrors: string[] = [];
    for (const target of targets) {
      for (const method of ['GET', 'POST']) {
        const status = await sendRequestLine(port, target, method);
        if (status === null) unanswered.push(`${method} ${JSON.stringify(target)}`);
        else if (status >= 500) serverErrors.push(`${method} ${JSON.stringify(target)} → ${status}`);
      }
    }
    expect(unanswered).toEqual([]);
    expect(serverErrors).toEqual([]);
    expect(server.child.exitCode).toBeNull();
    expect(await sendRequestLine(port, '/health')).toBe(200);
  });

  it('the targets that once crashed it get a coded 404, and absolute-form reaches GraphQL', async () => {
    for (const target of KNOWN_KILLERS) expect(await sendRequestLine(port, target), target).toBe(404);
    expect(await sendRequestLine(port, '*')).toBe(400);
    // No query at the endpoint: Apollo's own 400, which proves the request got there.
    expect(await sendRequestLine(port, `http://localhost:${port}/graphql`)).toBe(400);
    expect(await sendRequestLine(port, `http://localhost:${port}/health`)).toBe(200);
  });
});
