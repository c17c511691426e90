/**
 * `npm run test:browser`: opens the GraphQL endpoint in headless Chromium (Debian's `chromium`
 * package, driven by playwright-core; no downloaded browsers) and checks what the server controls:
 * the landing page, and the configuration it hands to Apollo Sandbox. Kept out of `npm test`
 * (its name does not end in `.test.ts`) so that suite passes on machines without a browser.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { CostExtension } from '../../src/plugin/feedback.js';
import { startTollgate } from '../support/tollgate.js';
import { createChecks, launchChromium } from './chromium.js';

const SANDBOX_CDN = 'https://embeddable-sandbox.cdn.apollographql.com/';
/** Kept for people to look at (gitignored; CI may collect it). */
const ARTIFACTS = new URL('./artifacts/', import.meta.url);
const OFFLINE_SCREENSHOT = new URL('sandbox-offline.png', ARTIFACTS);
// Stands in for Apollo's Sandbox bundle: records what the server's page asks Sandbox to do.
const SANDBOX_STUB = `window.EmbeddedSandbox = function (config) {
  window.__recordedSandboxConfig = JSON.parse(JSON.stringify(config));
};`;

/** A GraphQL answer as the page's fetch saw it. */
interface PageAnswer {
  status: number;
  rateLimit: string | null;
  body: {
    data?: { __schema?: { queryType: { name: string } } } | null;
    extensions?: { cost?: CostExtension };
  };
}

interface RecordedConfig {
  initialEndpoint: string;
  endpointIsEditable: boolean;
  initialState: { sharedHeaders?: Record<string, string>; document?: string; includeCookies?: boolean };
}

const checks = createChecks();
const check = checks.check;

async function main(): Promise<void> {
  const browser = await launchChromium();
  const tollgate = await startTollgate();
  const { context } = browser;
  try {
    const cdnRequests: string[] = [];
    // Nothing leaves the machine: Apollo's CDN gets the stub, every other outside host an error.
    await context.route(
      (url) => !url.href.startsWith(new URL(tollgate.url).origin),
      async (route) => {
        const url = route.request().url();
        if (!url.startsWith(SANDBOX_CDN)) return route.abort('internetdisconnected');
        cdnRequests.push(url);
        return route.fulfill({ contentType: 'application/javascript', body: SANDBOX_STUB });
      },
    );
    const page = await context.newPage();
    console.log(`Opening ${tollgate.url} in headless Chromium (${browser.version})`);
    const response = await page.goto(tollgate.url, { waitUntil: 'load' });

    check('the endpoint answers a browser with an HTML page (200, text/html)', () => {
      assert.equal(response?.status(), 200);
      assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
    });
    check("the page is Apollo Server's landing page, embedding Sandbox from Apollo's CDN", () => {
      assert.equal(cdnRequests.length, 1);
      assert.match(cdnRequests[0] ?? '', /\/embeddable-sandbox\.umd\.production\.min\.js/);
    });
    assert.equal(await page.title(), 'Apollo Server');

    const config = (await page.evaluate('window.__recordedSandboxConfig')) as RecordedConfig | undefined;
    check('the page starts Sandbox pointed at this endpoint, not editable', () => {
      assert.ok(config, 'the page never constructed EmbeddedSandbox');
      assert.equal(config.initialEndpoint, tollgate.url);
      assert.equal(config.endpointIsEditable, false);
    });
    check('the x-api-key header is listed in Sandbox, empty, ready to fill in; no cookies', () => {
      assert.deepEqual(config?.initialState.sharedHeaders, { 'x-api-key': '' });
      assert.equal(config?.initialState.includeCookies, false);
    });
    check('Sandbox opens with a starter operation that shows the price and the bucket', () => {
      assert.match(config?.initialState.document ?? '', /rateLimit \{ cost remaining limit \}/);
    });

    // What Sandbox sends runs in this page (the embed hands requests to its parent page): same origin.
    const exchange = (query: string): Promise<PageAnswer> =>
      page.evaluate(
        async ({ url, query }): Promise<PageAnswer> => {
          const answer = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': '' },
            body: JSON.stringify({ query }),
          });
          return {
            status: answer.status,
            rateLimit: answer.headers.get('ratelimit'),
            body: (await answer.json()) as PageAnswer['body'],
          };
        },
        { url: tollgate.url, query },
      );
    const introspection = await exchange('query IntrospectionQuery { __schema { queryType { name } } }');
    check('schema polling from the page is served free of charge', () => {
      assert.equal(introspection.status, 200);
      assert.equal(introspection.body.data?.__schema?.queryType.name, 'Query');
      assert.equal(introspection.body.extensions?.cost?.requestedQueryCost, 0);
    });
    const query = await exchange('{ books(first: 3) { title } }');
    check('a query from the page shows its cost and the points left (extensions.cost, RateLimit)', () => {
      assert.equal(query.status, 200);
      assert.equal(query.body.extensions?.cost?.requestedQueryCost, 3);
      assert.equal(query.body.extensions?.cost?.throttleStatus?.currentlyAvailable, 497);
      assert.equal(query.rateLimit, '"anonymous";r=497;t=1');
    });

    // Offline: Apollo's CDN cannot be reached at all, as on a machine without internet.
    const offline = await context.newPage();
    await offline.route(`${SANDBOX_CDN}**`, (route) => route.abort('internetdisconnected'));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(tollgate.url).origin,
    });
    await offline.goto(tollgate.url, { waitUntil: 'load' });
    const help = offline.locator('#tollgate-offline');
    // Apollo's fallback block fades in after a second (so it never flashes before Sandbox).
    // A function, not a string: the page's CSP forbids eval, which a string predicate needs.
    await offline.waitForFunction(() => {
      const window = globalThis as unknown as {
        document: { getElementById(id: string): unknown };
        getComputedStyle(element: unknown): { opacity: string };
      };
      return window.getComputedStyle(window.document.getElementById('tollgate-offline')).opacity === '1';
    });
    const endpoint = (await offline.locator('#tollgate-endpoint').textContent()) ?? '';
    const curl = (await offline.locator('#tollgate-curl').textContent()) ?? '';
    const helpText = (await help.textContent()) ?? '';
    const helpVisible = await help.isVisible();
    mkdirSync(ARTIFACTS, { recursive: true });
    await offline.screenshot({ path: OFFLINE_SCREENSHOT.pathname, fullPage: true });
    console.log(`  (screenshot of the offline page: ${OFFLINE_SCREENSHOT.pathname})`);
    check('offline, the page shows this endpoint and how to send a key', () => {
      assert.ok(helpVisible);
      assert.equal(endpoint, tollgate.url);
      assert.match(helpText, /send it in the x-api-key header/);
    });
    check('offline, the page shows a curl command for this endpoint, and the price of its query', () => {
      assert.match(curl, new RegExp(`^curl -s '${tollgate.url}'`));
      assert.match(curl, /-H 'x-api-key: YOUR_API_KEY'/);
      assert.match(curl, /--data '\{"query":"query Books\{books\(first:5\)/);
      assert.match(helpText, /This example costs \d+ points on this server/);
    });
    await offline.locator('#tollgate-copy').click();
    const copied = (await offline.evaluate('navigator.clipboard.readText()')) as string;
    check('offline, the copy button puts the curl command on the clipboard', () => {
      assert.equal(copied, curl);
    });
  } finally {
    await browser.close();
    await tollgate.stop();
  }
}

main().then(
  () => {
    console.log(
      `\nPASS: ${checks.passed} checks. Not asserted: the Sandbox UI itself. The page loads it from Apollo's CDN ` +
        `(${SANDBOX_CDN}), which test machines cannot reach; this test served a stub in its place that ` +
        "records the configuration the server's page passes to Sandbox, and asserted that.",
    );
    process.exit(0);
  },
  (error: unknown) => {
    console.error(`\nFAIL: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
