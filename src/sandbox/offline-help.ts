import { type GraphQLSchema, parse, stripIgnoredCharacters, validate } from 'graphql';
import { type CostModel, estimateCost } from '../cost/index.js';

/** The example operation of the offline page: what to send, and what it costs on this server. */
export interface SandboxExample {
  /** The operation's document, compact (one line, for a shell command). */
  query: string;
  /** Its estimated cost in points, priced with the server's own cost model. */
  cost: number;
}

/** Every schema Tollgate serves has it: the example of last resort. */
const FALLBACK_EXAMPLE = '{ rateLimit { cost remaining limit } }';

/**
 * Prices the example operation once, at start-up: `preferred` (Sandbox's starter operation) if it
 * is valid against the schema, else a query of the `rateLimit` field alone.
 */
export function priceSandboxExample(
  schema: GraphQLSchema,
  costModel: CostModel,
  preferred: string,
): SandboxExample {
  const candidates = [preferred, FALLBACK_EXAMPLE];
  for (const text of candidates) {
    const document = parse(text);
    if (validate(schema, document).length > 0) continue;
    const { cost } = estimateCost(costModel, document, { variables: {}, operationName: null });
    return { query: stripIgnoredCharacters(text), cost };
  }
  throw new Error('the schema has no rateLimit field: it was not built by Tollgate');
}

/** What the offline page says about sending a key. */
export interface OfflineHelpOptions {
  /** The header API keys are read from; `null`: keys travel only as `Authorization: Bearer`. */
  apiKeyHeader: string | null;
  /** Whether `Authorization: Bearer tg_…` is read as a key (`TOLLGATE_API_KEY_BEARER`). */
  bearerApiKeys: boolean;
  example: SandboxExample | undefined;
  /** The Content-Security-Policy nonce of Apollo's page: its script and style need it. */
  nonce: string;
}

/**
 * The part of the landing page a person sees when Apollo Sandbox cannot load (no network to
 * Apollo's CDN): this endpoint's URL, how to send a key, a curl command to copy, and what the
 * example costs. Hidden under Sandbox when Sandbox loads. The URL is the page's own (filled in by
 * the page's script, as Apollo's page points Sandbox at it): the server cannot know which host
 * name a browser used.
 */
export function offlineHelpHtml(options: OfflineHelpOptions): string {
  const { apiKeyHeader, bearerApiKeys, example, nonce } = options;
  const readsKeys = apiKeyHeader !== null || bearerApiKeys;
  const keyHeader = apiKeyHeader ?? 'authorization';
  const keyValue = apiKeyHeader ? 'YOUR_API_KEY' : 'Bearer YOUR_API_KEY';
  const query = example?.query ?? FALLBACK_EXAMPLE;
  const curl = [
    `curl -s '<span class="tollgate-endpoint">/graphql</span>' \\`,
    `  -H 'content-type: application/json' \\`,
    ...(readsKeys ? [`  -H '${escapeHtml(keyHeader)}: ${keyValue}' \\`] : []),
    `  --data '${escapeHtml(shellQuoted(JSON.stringify({ query })))}'`,
  ].join('\n');
  const cost = example
    ? `<p>This example costs <strong id="tollgate-example-cost">${example.cost} points</strong> on this server; every answer says what it cost and what is left in <code>extensions.cost</code> and the <code>RateLimit</code> header.</p>`
    : '';
  return `<div class="fallback tollgate-offline" id="tollgate-offline">
  <h1>Tollgate GraphQL endpoint</h1>
  <p>Apollo Sandbox cannot be loaded (it comes from Apollo's CDN, which this browser cannot reach). The API itself is here:</p>
  <p>Endpoint: <code class="tollgate-endpoint" id="tollgate-endpoint">/graphql</code> (POST JSON; a GET with <code>?query=</code> also needs the key header or <code>apollo-require-preflight</code>)</p>
  ${readsKeys ? `<p>API key: send it in the <code id="tollgate-key-header">${escapeHtml(keyHeader)}</code> header${apiKeyHeader && bearerApiKeys ? ' (or as <code>Authorization: Bearer …</code>)' : ''}. Without a key you are served anonymously, in the anonymous tier.</p>` : '<p>This server reads no API keys: every client is served by its address, in the anonymous tier.</p>'}
  <p>Try it from a terminal:</p>
  <pre id="tollgate-curl">${curl}</pre>
  <button type="button" id="tollgate-copy">Copy the command</button>
  ${cost}
</div>
<style nonce="${nonce}">
  .tollgate-offline { font-family: sans-serif; max-height: 100vh; overflow-y: auto; box-sizing: border-box; }
  .tollgate-offline pre { background: #f4f4f4; padding: 0.75em; white-space: pre-wrap; word-break: break-all; }
  #embeddableSandbox:empty { display: none; }
</style>
<script nonce="${nonce}">
  (function () {
    var endpoint = window.location.origin + window.location.pathname;
    document.querySelectorAll('.tollgate-endpoint').forEach(function (node) { node.textContent = endpoint; });
    document.getElementById('tollgate-copy').addEventListener('click', function () {
      var text = document.getElementById('tollgate-curl').textContent;
      if (navigator.clipboard) return void navigator.clipboard.writeText(text);
      window.getSelection().selectAllChildren(document.getElementById('tollgate-curl'));
    });
  })();
</script>`;
}

/** Text to place between single quotes in a shell command. */
function shellQuoted(text: string): string {
  return text.replaceAll("'", "'\\''");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
