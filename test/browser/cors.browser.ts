/**
 * `tsx test/browser/cors.browser.ts` (part of `npm run test:browser`): pages of two other origins
 * call Tollgate from headless Chromium, which enforces CORS as browsers do. The listed origin's
 * page reads the answer and its RateLimit headers, errors included; the other origin's page gets
 * nothing, and its request never runs. Kept out of `npm test`, like the Sandbox check.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTollgate } from '../support/tollgate.js';
import { createChecks, launchChromium } from './chromium.js';

/** What the page's script saw of one `fetch()`. */
type PageAnswer =
  | {
      kind: 'read';
      status: number;
      rateLimit: string | null;
      rateLimitPolicy: string | null;
      /** `Date` is not exposed: the browser must hide it from the page. */
      date: string | null;
      body: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    }
  | { kind: 'failed'; error: string };

const checks = createChecks();
const check = checks.check;

/** A site of its own on a loopback port: one empty page, so a script can run on its origin. */
async function startSite(name: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>${name}</title><p>${name}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function main(): Promise<void> {
  const browser = await launchChromium();
  const app = await startSite('app');
  const stranger = await startSite('stranger');
  // Buckets that do not refill while the check runs, so that what remains tells what ran.
  const tollgate = await startTollgate({
    env: { TOLLGATE_CORS_ORIGINS: app.origin, TOLLGATE_TIER_FREE_REFILL_PER_SEC: '0.001' },
  });
  const { context } = browser;
  try {
    // No context.route() here: with routing on, Playwright answers CORS preflights itself, so the
    // server's policy would never be asked. The pages load nothing; every request is checked local.
    const local = [new URL(tollgate.url).origin, app.origin, stranger.origin];
    const elsewhere: string[] = [];
    context.on('request', (request) => {
      if (!local.includes(new URL(request.url()).origin)) elsewhere.push(request.url());
    });
    const key = await tollgate.createKey();
    console.log(
      `Tollgate at ${tollgate.url}, CORS for ${app.origin}; pages from ${app.origin} and ${stranger.origin} (Chromium ${browser.version})`,
    );

    // The page's own script, run on the page's origin: what it can read is what the browser allows.
    const fetchFrom = async (origin: string, headers: Record<string, string>): Promise<PageAnswer> => {
      const page = await context.newPage();
      try {
        await page.goto(`${origin}/`);
        return await page.evaluate(
          async ({ url, headers, query }): Promise<PageAnswer> => {
            try {
              const answer = await fetch(url, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...headers },
                body: JSON.stringify({ query }),
              });
              return {
                kind: 'read',
                status: answer.status,
                rateLimit: answer.headers.get('RateLimit'),
                rateLimitPolicy: answer.headers.get('RateLimit-Policy'),
                date: answer.headers.get('Date'),
                body: (await answer.json()) as Extract<PageAnswer, { kind: 'read' }>['body'],
              };
            } catch (error) {
              return { kind: 'failed', error: `${(error as Error).name}: ${(error as Error).message}` };
            }
          },
          { url: tollgate.url, headers, query: '{ books(first: 3) { title } }' },
        );
      } finally {
        await page.close();
      }
    };

    const first = await fetchFrom(app.origin, { 'x-api-key': key });
    check('a page of the listed origin reads the answer (200) and its RateLimit headers', () => {
      assert.equal(first.kind, 'read', JSON.stringify(first));
      assert.equal(first.status, 200);
      assert.ok(first.body.data, 'the page could not read the data');
      assert.match(first.rateLimit ?? '', /^"free";r=997;t=\d+$/);
      assert.match(first.rateLimitPolicy ?? '', /^"free";q=1000;w=\d+;tollgate-qu="points"$/);
    });
    check('…and only what is exposed: the browser hides the Date header from it', () => {
      assert.equal(first.kind === 'read' && first.date, null);
    });

    const refused = await fetchFrom(app.origin, { 'x-api-key': 'let-me-in' });
    check('a page of the listed origin reads an error answer too: its 401 and code', () => {
      assert.equal(refused.kind, 'read', JSON.stringify(refused));
      assert.equal(refused.status, 401);
      assert.equal(refused.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    });

    const foreign = await fetchFrom(stranger.origin, { 'x-api-key': key });
    check('a page of another origin cannot read the answer: its fetch() fails', () => {
      assert.equal(foreign.kind, 'failed', JSON.stringify(foreign));
      assert.match(foreign.error, /^TypeError/);
    });

    const after = await fetchFrom(app.origin, { 'x-api-key': key });
    check("…and its request never ran: the preflight was refused, the key's bucket untouched", () => {
      assert.equal(after.kind, 'read', JSON.stringify(after));
      assert.match((after.kind === 'read' && after.rateLimit) || '', /^"free";r=994;/);
    });
    check('nothing left the machine', () => assert.deepEqual(elsewhere, []));
  } finally {
    await browser.close();
    await tollgate.stop();
    app.server.close();
    stranger.server.close();
  }
}

main().then(
  () => {
    console.log(`\nPASS: ${checks.passed} checks.`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`\nFAIL: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
