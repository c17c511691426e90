import { describe, expect, it } from 'vitest';
import { createCostModel } from '../../../src/cost/index.js';
import { SANDBOX_STARTER_DOCUMENT } from '../../../src/sandbox/landing-page.js';
import { offlineHelpHtml, priceSandboxExample } from '../../../src/sandbox/offline-help.js';
import { buildTollgateSchema } from '../../../src/schema/build-schema.js';

// An app's schema without the bookstore's `books`: Sandbox's starter operation does not fit it.
const built = buildTollgateSchema({
  typeDefs: 'type Query { ping: String }',
  resolvers: { Query: { ping: () => 'pong' } },
  defaultListSize: 10,
});

describe('the offline landing page', () => {
  it("prices the rateLimit query instead when the starter operation is not valid for the app's schema", () => {
    const costModel = createCostModel(built.schema, { defaultListSize: 10 });
    expect(priceSandboxExample(built.schema, costModel, SANDBOX_STARTER_DOCUMENT)).toEqual({
      query: '{rateLimit{cost remaining limit}}',
      cost: 0,
    });
  });

  it('escapes what it shows, and names Authorization when keys travel only as bearer tokens', () => {
    const html = offlineHelpHtml({
      apiKeyHeader: null,
      bearerApiKeys: true,
      example: { query: `{ a(s: "x'<y") }`, cost: 3 },
      nonce: 'abc',
    });
    expect(html).toContain('<code id="tollgate-key-header">authorization</code>');
    expect(html).toContain("-H 'authorization: Bearer YOUR_API_KEY'");
    // Shell-quoted inside the command's single quotes, then HTML-escaped.
    expect(html).toContain('x&#39;\\&#39;&#39;&#60;y');
    expect(html).not.toContain("x'<y");
    expect(html).toContain('<script nonce="abc">');
    expect(html).toContain('<style nonce="abc">');
  });

  it('offers Authorization: Bearer beside the header only when bearer keys are read, and no key when none is', () => {
    const help = (apiKeyHeader: string | null, bearerApiKeys: boolean) =>
      offlineHelpHtml({ apiKeyHeader, bearerApiKeys, example: undefined, nonce: 'n' });
    expect(help('x-api-key', true)).toContain('(or as <code>Authorization: Bearer …</code>)');
    expect(help('x-api-key', false)).not.toContain('Bearer');
    expect(help('x-api-key', false)).toContain("-H 'x-api-key: YOUR_API_KEY'");
    const keyless = help(null, false);
    expect(keyless).toContain('This server reads no API keys');
    expect(keyless).not.toContain('YOUR_API_KEY');
  });
});
