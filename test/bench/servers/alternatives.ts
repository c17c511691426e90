import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { Redis } from 'ioredis';
import type { TollgateContext } from '../../../src/context.js';
import { createRedisClient } from '../../../src/limiter/redis-connection.js';
import { plainBookstoreSchema } from './bookstore-sdl.js';
import { createClassicPlugin } from './classic-plugin.js';
import { createComplexityPlugin } from './complexity-plugin.js';
import { directiveBookstoreSchema } from './directive-schema.js';
import { createEmptyHooksPlugin, createEvalshaFloorPlugin } from './floor-plugins.js';

/** The contenders that are not Tollgate: the plain server, the usual alternatives and the floors. */
export const ALTERNATIVE_IDS = [
  'plain',
  'classic',
  'directive',
  'complexity',
  'floor-hooks',
  'floor-evalsha',
] as const;
/** One of {@link ALTERNATIVE_IDS}. */
export type AlternativeId = (typeof ALTERNATIVE_IDS)[number];

/** What an alternative hands Apollo: the demo's schema (with its own directives applied, or not) and its plugins. */
export interface AlternativeSetup {
  schema: GraphQLSchema;
  plugins: ApolloServerPlugin<TollgateContext>[];
}

/**
 * The schema and plugins of one alternative, over the demo bookstore. `redisUrl` is needed by all
 * but `plain` and `floor-hooks`; `limit` operations per `windowSec` is the limiters' setting.
 */
export function alternativeSetup(
  contender: AlternativeId,
  options: { redisUrl: string | undefined; limit: number; windowSec: number },
): AlternativeSetup {
  const { limit, windowSec } = options;
  const redisUrl = () => {
    if (!options.redisUrl) throw new Error(`the ${contender} contender needs REDIS_URL`);
    return options.redisUrl;
  };
  // The same client options as Tollgate's main.ts: an outage then compares limiters, not clients.
  const redisClient = () => new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  const schema = plainBookstoreSchema();
  switch (contender) {
    case 'plain':
      return { schema, plugins: [] };
    case 'classic':
      return { schema, plugins: [createClassicPlugin(redisClient(), limit, windowSec)] };
    case 'directive':
      return { schema: directiveBookstoreSchema(redisClient(), limit, windowSec), plugins: [] };
    case 'complexity':
      return { schema, plugins: [createComplexityPlugin(schema, redisClient(), limit, windowSec)] };
    case 'floor-hooks':
      return { schema, plugins: [createEmptyHooksPlugin()] };
    case 'floor-evalsha':
      // Tollgate's own client: the floor is the call as Tollgate makes it.
      return { schema, plugins: [createEvalshaFloorPlugin(createRedisClient({ url: redisUrl() }))] };
  }
}

/** Whether `id` names an alternative (else it is Tollgate, or unknown). */
export function isAlternative(id: string): id is AlternativeId {
  return (ALTERNATIVE_IDS as readonly string[]).includes(id);
}
