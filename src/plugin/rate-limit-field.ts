import type { IResolvers } from '@graphql-tools/utils';
import { GraphQLError } from 'graphql';
import type { RateLimitStatus, TollgateContext } from '../context.js';

/** Resolves `Query.rateLimit` from what the plugin recorded for this operation. */
export const rateLimitFieldResolvers: IResolvers<unknown, TollgateContext> = {
  Query: {
    rateLimit: (_source: unknown, _args: unknown, context: TollgateContext): RateLimitStatus => {
      if (!context.rateLimitStatus) {
        throw new GraphQLError('The rate-limit status is not available for this request.', {
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      }
      return context.rateLimitStatus;
    },
  },
};
