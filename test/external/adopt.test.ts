import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type GraphQLHttpResponse, postGraphQL } from '../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../support/tollgate.js';
// The app's own token signing: the tests' stand-in for its login.
import { signToken } from './app/auth.js';
import {
  type AppProcess,
  installPackedApp,
  PROJECT_ROOT,
  readmeFiles,
  runBin,
  runNode,
  startAppProgram,
} from './packed-app.js';

// The app's tiers for this test: small buckets, so that a few operations reach the limits.
const TIERS = {
  TOLLGATE_TIER_ANONYMOUS_CAPACITY: '25',
  TOLLGATE_TIER_ANONYMOUS_REFILL_PER_SEC: '1',
  TOLLGATE_TIER_FREE_CAPACITY: '100',
  TOLLGATE_TIER_FREE_REFILL_PER_SEC: '1',
};

const bearer = (claims: { sub: string; plan: string }) => ({
  authorization: `Bearer ${signToken(claims)}`,
});

function getText(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    }).on('error', reject);
  });
}

const remainingOf = (answer: GraphQLHttpResponse) =>
  (answer.body.extensions?.cost as { throttleStatus?: { currentlyAvailable: number } } | undefined)
    ?.throttleStatus?.currentlyAvailable;

let appDir: string;
beforeAll(async () => {
  appDir = await installPackedApp();
}, 240_000);

describe('the packed package, installed into an app of its own', () => {
  it('holds the public entry and its commands, nothing of the demo, and no second graphql', () => {
    const installed = join(appDir, 'node_modules', 'tollgate');
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'index.d.ts'))).toBe(true);
    for (const subpath of ['apollo', 'urql', 'fetch']) {
      expect(existsSync(join(installed, 'dist', 'client', `${subpath}.js`))).toBe(true);
      expect(existsSync(join(installed, 'dist', 'client', `${subpath}.d.ts`))).toBe(true);
    }
    expect(existsSync(join(installed, 'dist', 'client', 'examples'))).toBe(false);
    expect(existsSync(join(installed, 'dist', 'demo'))).toBe(false);
    expect(existsSync(join(installed, 'dist', 'main.js'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', 'graphql'))).toBe(false);
    expect(existsSync(join(installed, 'node_modules', '@apollo', 'server'))).toBe(false);
    // A production install: no dev tool of Tollgate's came along.
    expect(existsSync(join(appDir, 'node_modules', 'tsx'))).toBe(false);
  });

  it('its commands answer --help with their usage and exit 0', async () => {
    for (const bin of ['tollgate-keys', 'tollgate-cost']) {
      const result = await runBin(appDir, [bin, '--help']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(bin);
    }
  });

  it('type-checks the README’s programs against the package’s declarations, as a TypeScript user would', async () => {
    writeFileSync(
      join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          target: 'ES2022',
          allowJs: true,
          checkJs: true,
          noEmit: true,
          skipLibCheck: true,
          typeRoots: [join(PROJECT_ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        include: ['*.js'],
      }),
    );
    const result = await runNode(appDir, [
      join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      '.',
    ]);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('tollgate-cost prices a query against the app’s own SDL', async () => {
    writeFileSync(join(appDir, 'query.graphql'), '{ products(first: 7) { id } }');
    const result = await runBin(appDir, ['tollgate-cost', '--schema', 'schema.graphql', 'query.graphql']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).cost).toBe(7);
  });
});

describe.each([
  { program: 'embed-standalone.js', db: 1 },
  { program: 'embed-express.js', db: 2 },
  { program: 'serve.js', db: 3 },
])('$program, from the README, on a real Redis', ({ program, db }) => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startAppProgram(appDir, program, { ...TIERS, REDIS_URL: `${inject('redisUrl')}/${db}` });
  }, 60_000);
  afterAll(() => app?.stop());

  it('prices each operation and sets the RateLimit header fields', async () => {
    const answer = await postGraphQL(app.url, '{ products(first: 4) { id } }', { localAddress: '127.0.0.2' });
    expect(answer.status).toBe(200);
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: 4, actualQueryCost: 4 });
    expect(answer.headers.ratelimit).toMatch(/r=21/);
    expect(answer.headers['ratelimit-policy']).toMatch(/q=25/);
  });

  it('answers 429 with Retry-After once the bucket cannot hold the price', async () => {
    const query = '{ products(first: 10) { id } }';
    const options = { localAddress: '127.0.0.3' };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await postGraphQL(app.url, query, options));
    expect(statuses.map((answer) => answer.status)).toEqual([200, 200, 429]);
    const refused = statuses[2] as GraphQLHttpResponse;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('enforces the app schema’s own @rateLimit: the 4th search in a minute is refused', async () => {
    const headers = bearer({ sub: `searcher-${program}`, plan: 'free' });
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await postGraphQL(app.url, '{ search(term: "1") { id } }', { headers }));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(answers.slice(0, 3).every((answer) => Array.isArray(answer.body.data?.search))).toBe(true);
    expect(answers[3]?.body.data?.search).toBeNull();
    expect(answers[3]?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  });

  it('keys buckets by the app’s users through the identity hook, on their plan’s tier', async () => {
    const query = '{ products(first: 10) { id } me { id } rateLimit { limit } }';
    const options = { localAddress: '127.0.0.4' };
    const alice = await postGraphQL(app.url, query, {
      ...options,
      headers: bearer({ sub: 'alice', plan: 'free' }),
    });
    const bob = await postGraphQL(app.url, query, {
      ...options,
      headers: bearer({ sub: 'bob', plan: 'pro' }),
    });
    const anonymous = await postGraphQL(app.url, query, options);
    expect(alice.body.data?.me).toEqual({ id: 'alice' });
    expect(alice.body.data?.rateLimit).toEqual({ limit: 100 });
    expect(bob.body.data?.rateLimit).toEqual({ limit: 10_000 });
    expect(anonymous.body.data?.rateLimit).toEqual({ limit: 25 });
    // Each its own bucket: the same address, but nobody paid for another. 10 points for the
    // products and 1 for `me`, which anonymous gets back: its `me` is null.
    expect([remainingOf(alice), remainingOf(bob), remainingOf(anonymous)]).toEqual([89, 9989, 15]);
  });

  it('leaves the app’s own Authorization alone: 20 JWTs, valid or not, get no 401 and lock nothing', async () => {
    const options = { localAddress: '127.0.0.5' };
    const forged = { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmUifQ.forged' };
    for (let i = 0; i < 10; i++) {
      const signed = await postGraphQL(app.url, '{ me { id } }', {
        ...options,
        headers: bearer({ sub: 'carol', plan: 'free' }),
      });
      const unsigned = await postGraphQL(app.url, '{ me { id } }', { ...options, headers: forged });
      expect([signed.status, unsigned.status]).toEqual([200, 200]);
      expect([signed.body.data?.me, unsigned.body.data?.me]).toEqual([{ id: 'carol' }, null]);
    }
  });
});

describe.each([
  { program: 'embed-express.js', db: 5 },
  { program: 'serve.js', db: 6 },
])('$program serves /metrics', ({ program, db }) => {
  it('with Tollgate’s series, counting the operations it priced', async () => {
    const app = await startAppProgram(appDir, program, {
      ...TIERS,
      REDIS_URL: `${inject('redisUrl')}/${db}`,
    });
    try {
      await postGraphQL(app.url, '{ products(first: 1) { id } }');
      const metrics = await getText(app.url.replace('/graphql', '/metrics'));
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/^tollgate_operations_total\{[^}]*outcome="served"[^}]*\} 1$/m);
    } finally {
      await app.stop();
    }
  });
});

describe('serve.js, the whole server around the app', () => {
  let app: AppProcess;
  beforeAll(async () => {
    app = await startAppProgram(appDir, 'serve.js', { ...TIERS, REDIS_URL: `${inject('redisUrl')}/4` });
  }, 60_000);

  it('answers /health and /ready, and a SIGTERM drains and exits 0', async () => {
    expect((await getText(app.url.replace('/graphql', '/health'))).status).toBe(200);
    expect((await getText(app.url.replace('/graphql', '/ready'))).status).toBe(200);
    expect(await app.stop()).toBe(0);
  });

  it('serves an API key made with tollgate-keys', async () => {
    const served = await startAppProgram(appDir, 'serve.js', {
      ...TIERS,
      REDIS_URL: `${inject('redisUrl')}/4`,
    });
    try {
      const created = await runBin(
        appDir,
        ['tollgate-keys', 'create', '--name', 'partner', '--tier', 'free'],
        {
          REDIS_URL: `${inject('redisUrl')}/4`,
        },
      );
      expect(created.code, created.stderr).toBe(0);
      const key = /tg_\S+/.exec(created.stdout)?.[0] as string;
      const answer = await postGraphQL(served.url, '{ rateLimit { limit } }', {
        headers: { 'x-api-key': key },
      });
      expect(answer.body.data?.rateLimit).toEqual({ limit: 100 });
    } finally {
      await served.stop();
    }
  });
});

describe.each([
  { library: 'Apollo Client', program: 'client-apollo.js' },
  { library: 'urql', program: 'client-urql.js' },
  { library: 'graphql-request', program: 'client-graphql-request.js' },
])('$program, the README’s $library setup, from the packed package', ({ program }) => {
  let tollgate: RunningTollgate;
  beforeAll(async () => {
    // A bucket that holds all 200 pages: here the point is that the program runs as shown; the
    // pacing itself is shown by test/integration/client/integrations.test.ts, with this same file.
    tollgate = await startTollgate({
      env: { TOLLGATE_TIER_FREE_CAPACITY: '1000', TOLLGATE_TIER_FREE_REFILL_PER_SEC: '1000' },
    });
  });
  afterAll(() => tollgate?.stop());

  it('is the program the integration tests run', () => {
    const tested = readFileSync(new URL(`./app/${program}`, import.meta.url), 'utf8');
    expect(readmeFiles().get(program)).toBe(tested);
  });

  it('gets all 200 pages through its integration subpath', async () => {
    const result = await runNode(appDir, [program], {
      TOLLGATE_URL: tollgate.url,
      TOLLGATE_API_KEY: await tollgate.createKey('free'),
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary).toMatchObject({ pages: 200, spent: 500, throttled: 0 });
    expect(summary.errors ?? 0).toBe(0);
  });
});
