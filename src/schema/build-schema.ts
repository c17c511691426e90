import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { type CostModel, createCostModel } from '../cost/index.js';
import { applyRateLimitDirective, type RateLimitRule, readRateLimitRules } from '../directives/rate-limit.js';

/** The SDL of every `*.graphql` file in a folder, in name order. */
export function readSchemaFolder(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => name.endsWith('.graphql'))
    .sort()
    .map((name) => readFileSync(join(folder, name), 'utf8'));
}

/** A schema ready to serve: resolvers wrapped by `@rateLimit`, prices read from `@cost`/`@listSize`. */
export interface TollgateSchema {
  schema: GraphQLSchema;
  costModel: CostModel;
  rateLimitRules: ReadonlyMap<string, readonly RateLimitRule[]>;
}

/**
 * Builds the executable schema and validates its directives. A bad `@rateLimit`, `@cost` or
 * `@listSize` throws here, naming the field, so it stops start-up instead of failing requests.
 */
export function buildTollgateSchema(options: {
  typeDefs: string[];
  resolvers: IResolvers | IResolvers[];
  defaultListSize: number;
}): TollgateSchema {
  const plain = makeExecutableSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers });
  const rateLimitRules = readRateLimitRules(plain);
  const costModel = createCostModel(plain, { defaultListSize: options.defaultListSize });
  return { schema: applyRateLimitDirective(plain, rateLimitRules), costModel, rateLimitRules };
}
