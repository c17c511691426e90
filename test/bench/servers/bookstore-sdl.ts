import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { createBookstoreResolvers } from '../../../src/demo/resolvers.js';
import { rateLimitFieldResolvers } from '../../../src/plugin/rate-limit-field.js';
import { readSchemaFolder, tollgateTypeDefs } from '../../../src/schema/product-sdl.js';

/** The demo's `schema/` folder, as Tollgate reads it. */
export const SCHEMA_DIR = new URL('../../../schema/bookstore/', import.meta.url).pathname;

/** The demo's whole SDL as Tollgate serves it: Tollgate's own, then the bookstore's files, unchanged. */
export function bookstoreTypeDefs(): string[] {
  return [...tollgateTypeDefs, ...readSchemaFolder(SCHEMA_DIR)];
}

/**
 * The demo bookstore with the demo's resolvers and nothing applied on top: the `@rateLimit`,
 * `@cost` and `@listSize` declarations stay in the SDL, but no directive does anything.
 */
export function plainBookstoreSchema(typeDefs: string[] = bookstoreTypeDefs()): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs,
    resolvers: [createBookstoreResolvers(), rateLimitFieldResolvers],
  });
}
