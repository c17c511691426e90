import { createRequire } from 'node:module';
import type { ApolloServerPlugin } from '@apollo/server';
import { type GraphQLSchema, parse } from 'graphql';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { TollgateContext } from '../../../src/context.js';
import { EXACTNESS_QUERY } from '../queries.js';
import { tooManyRequests } from './limit-error.js';

// The CommonJS build, required: its ESM one loads a second graphql-js beside the one Apollo uses
// (slicknode/graphql-query-complexity#100), and Node cannot see the CommonJS build's named exports.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof import('graphql-query-complexity');
const ESTIMATORS = [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })];

/**
 * The usual do-it-yourself cost limiter: graphql-query-complexity prices the operation, and
 * rate-limiter-flexible's RateLimiterRedis consumes that many points per client and window.
 * `limit` counts operations of {@link EXACTNESS_QUERY}: the window holds `limit` times its cost.
 */
export function createComplexityPlugin(
  schema: GraphQLSchema,
  redis: Redis,
  limit: number,
  windowSec: number,
): ApolloServerPlugin<TollgateContext> {
  const pointsPerOperation = getComplexity({ schema, query: parse(EXACTNESS_QUERY), estimators: ESTIMATORS });
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: 'gqc',
    points: limit * pointsPerOperation,
    duration: windowSec,
  });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          const cost = getComplexity({
            schema,
            query: rc.document,
            variables: rc.request.variables ?? {},
            operationName: rc.operationName ?? undefined,
            estimators: ESTIMATORS,
          });
          try {
            await limiter.consume(rc.contextValue.client.id, cost);
          } catch (error) {
            // rate-limiter-flexible rejects with a RateLimiterRes when refused, an Error when Redis fails.
            if (error instanceof RateLimiterRes) throw tooManyRequests();
            throw error;
          }
        },
      };
    },
  };
}
