import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { DEFAULT_API_KEY_HEADER } from '../config/settings.js';

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
 * header listed and empty, ready to fill in. Disabled, Apollo serves no page and such a GET is
 * answered as a GraphQL request (400: no query).
 */
export function createLandingPagePlugin(options: {
  enabled: boolean;
  /** The header API keys are read from, listed empty in Sandbox; `null` lists none. Default `x-api-key`. */
  apiKeyHeader?: string | null;
}): ApolloServerPlugin {
  if (!options.enabled) return ApolloServerPluginLandingPageDisabled();
  const apiKeyHeader = options.apiKeyHeader === undefined ? DEFAULT_API_KEY_HEADER : options.apiKeyHeader;
  return ApolloServerPluginLandingPageLocalDefault({
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
}
