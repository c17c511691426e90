import type { ApolloServerPlugin, GraphQLServerListener, LandingPage } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { DEFAULT_API_KEY_HEADER } from '../config/settings.js';
import { type OfflineHelpOptions, offlineHelpHtml, type SandboxExample } from './offline-help.js';

/**
 * The operation Sandbox opens with: a priced query next to the free `rateLimit` field, so a
 * developer sees a price and the bucket before writing anything.
 */
export const SANDBOX_STARTER_DOCUMENT = `# Every response carries extensions.cost: the price and the points left.
query Books {
  books(first: 5) {
    title
    author { name }
  }
  rateLimit { cost remaining limit }
}
`;

/**
 * The landing page `GET /graphql` answers to a browser (`Accept: text/html`): Apollo Sandbox,
 * embedded and pointed at the page's own URL (Apollo's page takes `window.location.href` as the
 * endpoint, so it follows whatever host and port the server is reached on), with the API-key
 * header listed and empty, ready to fill in. Where Sandbox cannot load (no network to Apollo's
 * CDN), the page shows Tollgate's own help instead of Apollo's "you might be offline": the
 * endpoint, the key header, a curl command and the example's price. Disabled, Apollo serves no
 * page and such a GET is answered as a GraphQL request (400: no query).
 */
export function createLandingPagePlugin(options: {
  enabled: boolean;
  /** The header API keys are read from, listed empty in Sandbox; `null` lists none. Default `x-api-key`. */
  apiKeyHeader?: string | null;
  /** Whether `Authorization: Bearer tg_…` is read as a key, as the offline help says. Default true. */
  bearerApiKeys?: boolean;
  /** The offline page's example and its price (`priceSandboxExample`). Default: no price shown. */
  example?: SandboxExample;
}): ApolloServerPlugin {
  if (!options.enabled) return ApolloServerPluginLandingPageDisabled();
  const apiKeyHeader = options.apiKeyHeader === undefined ? DEFAULT_API_KEY_HEADER : options.apiKeyHeader;
  const sandbox = ApolloServerPluginLandingPageLocalDefault({
    embed: {
      // The server is fixed; the developer explores this one, not another.
      endpointIsEditable: false,
      initialState: {
        sharedHeaders: apiKeyHeader ? { [apiKeyHeader]: '' } : {},
        pollForSchemaUpdates: true,
      },
    },
    document: SANDBOX_STARTER_DOCUMENT,
    // Keys travel in a header, never in cookies: a page of another site must not spend them.
    includeCookies: false,
  });
  return {
    async serverWillStart(service) {
      const listener = (await sandbox.serverWillStart?.(service)) as GraphQLServerListener;
      return {
        async renderLandingPage() {
          const page = (await listener.renderLandingPage?.()) as LandingPage;
          return {
            html: async () => {
              const html = typeof page.html === 'string' ? page.html : await page.html();
              return withOfflineHelp(html, {
                apiKeyHeader,
                bearerApiKeys: options.bearerApiKeys ?? true,
                example: options.example,
              });
            },
          };
        },
      };
    },
  };
}

/**
 * Apollo's page with its offline notice (the `fallback` block Sandbox covers once it loads)
 * replaced by Tollgate's help. The page's Content-Security-Policy admits only scripts and styles
 * carrying its nonce, so the help's carry the same.
 */
function withOfflineHelp(html: string, help: Omit<OfflineHelpOptions, 'nonce'>): string {
  const nonce = /<script nonce="([^"]+)"/.exec(html)?.[1];
  const fallback = /<div class="fallback">[\s\S]*?<\/div>/;
  // A later Apollo whose page has another shape keeps its own page (the tests say so).
  if (!nonce) return html;
  return html.replace(fallback, () => offlineHelpHtml({ ...help, nonce }));
}
