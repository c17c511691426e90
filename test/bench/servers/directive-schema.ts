import { type DocumentNode, type GraphQLSchema, Kind, parse, print, visit } from 'graphql';
import { rateLimitDirective } from 'graphql-rate-limit-directive';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { TollgateContext } from '../../../src/context.js';
import { bookstoreTypeDefs, plainBookstoreSchema } from './bookstore-sdl.js';

type RedisLimiterOptions = ConstructorParameters<typeof RateLimiterRedis>[0];

/**
 * The demo bookstore limited by `graphql-rate-limit-directive` on rate-limiter-flexible's
 * RateLimiterRedis: Tollgate's `@rateLimit` is swapped for the library's, put on `Query` so that
 * every root field is limited per client (`limit` calls per `windowSec`), as its README suggests.
 */
export function directiveBookstoreSchema(redis: Redis, limit: number, windowSec: number): GraphQLSchema {
  const { rateLimitDirectiveTypeDefs, rateLimitDirectiveTransformer } = rateLimitDirective<
    TollgateContext,
    RedisLimiterOptions
  >({
    keyGenerator: (_directiveArgs, _source, _args, context, info) =>
      `${context.client.id}:${info.parentType.name}.${info.fieldName}`,
    limiterClass: RateLimiterRedis,
    limiterOptions: { storeClient: redis, keyPrefix: 'grld' },
  });
  const typeDefs = bookstoreTypeDefs().map((sdl) => print(swapRateLimit(parse(sdl), limit, windowSec)));
  return rateLimitDirectiveTransformer(plainBookstoreSchema([rateLimitDirectiveTypeDefs, ...typeDefs]));
}

/** Drops Tollgate's `@rateLimit` (declaration and uses) and puts the library's on `type Query`. */
function swapRateLimit(document: DocumentNode, limit: number, windowSec: number): DocumentNode {
  const [queryLimit] = parse(`type Query @rateLimit(limit: ${limit}, duration: ${windowSec})`).definitions;
  const directives = queryLimit?.kind === Kind.OBJECT_TYPE_DEFINITION ? (queryLimit.directives ?? []) : [];
  return visit(document, {
    DirectiveDefinition: (node) => (node.name.value === 'rateLimit' ? null : undefined),
    Directive: (node) => (node.name.value === 'rateLimit' ? null : undefined),
    ObjectTypeDefinition: {
      leave: (node) =>
        node.name.value === 'Query'
          ? { ...node, directives: [...(node.directives ?? []), ...directives] }
          : undefined,
    },
  });
}
