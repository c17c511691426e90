import { readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { type CostModel, type CostModelOptions, createCostModel } from '../../../src/cost/index.js';
import { readSchemaFolder, tollgateTypeDefs } from '../../../src/schema/product-sdl.js';

/** Reads a file relative to the repository root. */
export function readRepoFile(path: string): string {
  return readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
}

/** Absolute path of a file relative to the repository root. */
export function repoPath(path: string): string {
  return new URL(`../../../${path}`, import.meta.url).pathname;
}

/** Builds a schema from SDL, declaring Tollgate's directives from schema/tollgate/directives.graphql. */
export function schemaFromSdl(...sdl: string[]): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: [readRepoFile('schema/tollgate/directives.graphql'), ...sdl] });
}

/** The demo schema: Tollgate's SDL and the bookstore's, as the server and the `cost` command load them. */
export function demoSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: [...tollgateTypeDefs, ...readSchemaFolder(repoPath('schema/bookstore/'))],
  });
}

/** A cost model of a fixture under test/fixtures/cost. */
export function fixtureModel(name: string, options: Partial<CostModelOptions> = {}): CostModel {
  return createCostModel(schemaFromSdl(readRepoFile(`test/fixtures/cost/${name}`)), {
    defaultListSize: 10,
    ...options,
  });
}

/** A cost model of the demo schema with the server's default list size. */
export function demoModel(options: Partial<CostModelOptions> = {}): CostModel {
  return createCostModel(demoSchema(), { defaultListSize: 10, ...options });
}
