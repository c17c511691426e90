import { createServer, type IncomingMessage } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { TollgateContext } from '../../../src/context.js';
import { createRequestListener } from '../../../src/http/graphql-handler.js';
import { anonymousClient } from '../../../src/identity/client-identity.js';

// The alternatives never apply Tollgate's @rateLimit, so nothing ever asks for a field grant.
const NO_FIELD_LIMITS: TollgateContext['fieldAdmission'] = { admit: () => true, release: () => {} };

/** An alternative's Apollo Server over `schema`, started: configured as Tollgate's server configures its own. */
export async function startAlternativeApollo(
  schema: GraphQLSchema,
  plugins: ApolloServerPlugin<TollgateContext>[],
): Promise<ApolloServer<TollgateContext>> {
  const apollo = new ApolloServer<TollgateContext>({
    schema,
    plugins,
    allowBatchedHttpRequests: true,
    includeStacktraceInErrorResponses: false,
  });
  await apollo.start();
  return apollo;
}

/** An alternative's context: the client keyed by address, as Tollgate keys callers without an API key. */
export async function alternativeContext(request: IncomingMessage): Promise<TollgateContext> {
  return { client: anonymousClient(request.socket.remoteAddress), fieldAdmission: NO_FIELD_LIMITS };
}

/**
 * Serves `schema` on Tollgate's own node:http front (same body reading, same Apollo call; clients
 * keyed by address, as Tollgate keys callers without an API key), so that a contender differs
 * from Tollgate only in how it limits.
 * Listens on 127.0.0.1:`port`; resolves once listening.
 */
export async function serveOnTollgateFront(
  schema: GraphQLSchema,
  plugins: ApolloServerPlugin<TollgateContext>[],
  port: number,
): Promise<void> {
  const apollo = await startAlternativeApollo(schema, plugins);
  const httpServer = createServer(
    createRequestListener({
      apollo,
      context: alternativeContext,
      onError: (error) => console.error('request failed', error),
    }),
  );
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
}
