import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { type CostModel, createCostModel } from '../cost/index.js';
import { applyRateLimitDirective, type RateLimitRule, readRateLimitRules } from '../directives/rate-limit.js';
import { rateLimitFieldResolvers } from '../plugin/rate-limit-field.js';
import { tollgateTypeDefs } from './product-sdl.js';

/** A schema ready to serve: resolvers wrapped by `@rateLimit`, prices read from `@cost`/`@listSize`. */
export interface TollgateSchema {
  schema: GraphQLSchema;
  costModel: CostModel;
  rateLimitRules: ReadonlyMap<string, readonly RateLimitRule[]>;
}

/** What an app brings: its SDL and resolvers, as `makeExecutableSchema` takes them. */
export interface AppSchemaOptions {
  /** The app's SDL; Tollgate's directives and `rateLimit` field are added to it. */
  typeDefs: string | readonly string[];
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
  const typeDefs = typeof options.typeDefs === 'string' ? [options.typeDefs] : options.typeDefs;
  const resolvers = Array.isArray(options.resolvers) ? options.resolvers : [options.resolvers];
  const plain = makeExecutableSchema({
    typeDefs: [...tollgateTypeDefs, ...typeDefs],
    resolvers: [...resolvers, rateLimitFieldResolvers],
  });
  const rateLimitRules = readRateLimitRules(plain);
  const costModel = createCostModel(plain, { defaultListSize: options.defaultListSize });
  return { schema: applyRateLimitDirective(plain, rateLimitRules), costModel, rateLimitRules };
}
