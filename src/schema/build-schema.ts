import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { type CostModel, createCostModel } from '../cost/index.js';
import { applyRateLimitDirective, type RateLimitRule, readRateLimitRules } from '../directives/rate-limit.js';
import { rateLimitFieldResolvers } from '../plugin/rate-limit-field.js';
import { tollgateTypeDefs } from './product-sdl.js';
import { resolveTypeDefs, SchemaError, type TypeDefs } from './type-defs.js';

/** A schema ready to serve: resolvers wrapped by `@rateLimit`, prices read from `@cost`/`@listSize`. */
export interface TollgateSchema {
  schema: GraphQLSchema;
  costModel: CostModel;
  rateLimitRules: ReadonlyMap<string, readonly RateLimitRule[]>;
}

/** What an app brings: its SDL and resolvers, as `makeExecutableSchema` takes them. */
export interface AppSchemaOptions {
  /** The app's SDL (text, `gql` documents, or `file:` URLs of files or folders); Tollgate's directives and `rateLimit` field are added to it. */
  typeDefs: TypeDefs;
  /** The app's resolvers (one map or several). */
  // biome-ignore lint/suspicious/noExplicitAny: resolver maps are typed by the app (codegen), any context fits.
  resolvers: IResolvers<any, any> | ReadonlyArray<IResolvers<any, any>>;
}

/**
 * Builds the executable schema from the app's SDL and resolvers plus Tollgate's own part, and
 * validates its directives. A bad `@rateLimit`, `@cost` or `@listSize` throws here, naming the
 * field, so it stops start-up instead of failing requests.
 */
export function buildTollgateSchema(options: AppSchemaOptions & { defaultListSize: number }): TollgateSchema {
  const typeDefs = resolveTypeDefs(options.typeDefs);
  const resolvers = Array.isArray(options.resolvers) ? options.resolvers : [options.resolvers];
  let plain: GraphQLSchema;
  try {
    plain = makeExecutableSchema({
      typeDefs: [...tollgateTypeDefs, ...typeDefs],
      resolvers: [...resolvers, rateLimitFieldResolvers],
    });
  } catch (error) {
    // graphql-js and graphql-tools word these well ("Unknown directive "@foo".", "Query.x defined
    // in resolvers, but not in schema"); one line of it is what an operator needs.
    throw new SchemaError(`the schema is invalid: ${(error as Error).message.split('\n')[0]}`);
  }
  const rateLimitRules = readRateLimitRules(plain);
  const costModel = createCostModel(plain, { defaultListSize: options.defaultListSize });
  return { schema: applyRateLimitDirective(plain, rateLimitRules), costModel, rateLimitRules };
}
