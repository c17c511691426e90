import { getIntrospectionQuery } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import { postGraphQL } from '../../support/http-client.js';
import { type RunningTollgate, startTollgate } from '../../support/tollgate.js';

// What a browser sends when a developer opens the endpoint.
const BROWSER_GET = { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } };

describe('Apollo Sandbox on the GraphQL endpoint', () => {
  let tollgate: RunningTollgate | undefined;
  afterEach(async () => {
    await tollgate?.stop();
    tollgate = undefined;
  });

  it('serves the embedded Sandbox to a browser, for this endpoint, with x-api-key ready to fill in', async () => {
    tollgate = await startTollgate();
    const response = await fetch(tollgate.url, BROWSER_GET);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('embeddable-sandbox.cdn.apollographql.com');
    // Apollo's page points Sandbox at the URL it was loaded from: this endpoint, whatever the host.
    expect(html).toContain('var initialEndpoint = window.location.href;');
    expect(html).toContain('"sharedHeaders":{"x-api-key":""}');
    expect(html).toContain('"endpointIsEditable":false');
    expect(html).toContain('"includeCookies":false');
  });

  it('offline, helps a person without Sandbox: endpoint, key header, a curl command, the example priced as served', async () => {
    tollgate = await startTollgate();
    const html = await (await fetch(tollgate.url, BROWSER_GET)).text();
    // Apollo's bare notice is replaced, inside the block Sandbox covers once it loads.
    expect(html).not.toContain('it appears that you might be offline');
    expect(html).toContain('<div class="fallback tollgate-offline" id="tollgate-offline">');
    // The endpoint is the page's own URL, filled in by a script the page's CSP admits (its nonce).
    const nonce = /<script nonce="([^"]+)"/.exec(html)?.[1];
    expect(html).toContain(
      `<script nonce="${nonce}">\n  (function () {\n    var endpoint = window.location.origin`,
    );
    expect(html).toContain('<code id="tollgate-key-header">x-api-key</code>');
    const curl = /<pre id="tollgate-curl">([\s\S]*?)<\/pre>/.exec(html)?.[1] ?? '';
    expect(curl).toContain("-H 'content-type: application/json'");
    expect(curl).toContain("-H 'x-api-key: YOUR_API_KEY'");
    const body = /--data '(.*)'$/.exec(curl)?.[1] ?? '';
    const example = JSON.parse(body.replaceAll('&#34;', '"').replaceAll('&#39;', "'")) as { query: string };
    expect(example.query).toBe(
      'query Books{books(first:5){title author{name}}rateLimit{cost remaining limit}}',
    );

    // The price shown is what this server charges for that very query.
    const shown = Number(/id="tollgate-example-cost">(\d+) points</.exec(html)?.[1]);
    const answer = await postGraphQL(tollgate.url, example.query);
    expect(answer.body.extensions?.cost).toMatchObject({ requestedQueryCost: shown });
    expect(shown).toBeGreaterThan(0);
  });

  it('still answers GraphQL on GET for clients that do not ask for HTML', async () => {
    tollgate = await startTollgate();
    const response = await fetch(`${tollgate.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { __typename: 'Query' } });
  });

  it('in production mode, serves neither the landing page nor introspection by default', async () => {
    tollgate = await startTollgate({ env: { NODE_ENV: 'production' } });
    const page = await fetch(tollgate.url, BROWSER_GET);
    expect(page.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await page.text()).not.toContain('embeddable-sandbox');

    const introspection = await postGraphQL(tollgate.url, getIntrospectionQuery());
    expect(introspection.status).toBe(400);
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // Data queries are served as usual.
    expect((await postGraphQL(tollgate.url, '{ books(first: 1) { title } }')).status).toBe(200);
  });

  it('in production mode, follows the operator when they turn both on', async () => {
    tollgate = await startTollgate({
      env: { TOLLGATE_PRODUCTION: 'true', TOLLGATE_LANDING_PAGE: 'true', TOLLGATE_INTROSPECTION: 'true' },
    });
    expect(await (await fetch(tollgate.url, BROWSER_GET)).text()).toContain('embeddable-sandbox');
    const introspection = await postGraphQL(tollgate.url, getIntrospectionQuery());
    expect(introspection.status).toBe(200);
    expect(introspection.body.data).toHaveProperty('__schema');
  });

  it('outside production, lets the operator turn either off', async () => {
    tollgate = await startTollgate({ env: { TOLLGATE_LANDING_PAGE: 'false', TOLLGATE_INTROSPECTION: '0' } });
    expect(await (await fetch(tollgate.url, BROWSER_GET)).text()).not.toContain('embeddable-sandbox');
    expect((await postGraphQL(tollgate.url, '{ __schema { queryType { name } } }')).status).toBe(400);
  });
});

describe('explorer configuration', () => {
  it('defaults on outside production and off in it, NODE_ENV or TOLLGATE_PRODUCTION', () => {
    expect(loadConfig({})).toMatchObject({
      production: false,
      explorer: { landingPage: true, introspection: true },
    });
    for (const env of [{ NODE_ENV: 'production' }, { TOLLGATE_PRODUCTION: '1' }]) {
      expect(loadConfig(env)).toMatchObject({
        production: true,
        explorer: { landingPage: false, introspection: false },
      });
    }
  });

  it('refuses a setting that is not a boolean, naming the variable', () => {
    expect(() => loadConfig({ TOLLGATE_INTROSPECTION: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig({ TOLLGATE_LANDING_PAGE: 'yes please' })).toThrow(/TOLLGATE_LANDING_PAGE/);
    expect(() => loadConfig({ TOLLGATE_PRODUCTION: '' })).toThrow(/TOLLGATE_PRODUCTION/);
  });
});
