import { GraphQLError } from 'graphql';
import type { Resolvers } from '../__generated__/resolvers-types.js';

/** Resolves `Query.rateLimit` from what the plugin recorded for this operation. */
export const rateLimitFieldResolvers: Resolvers = {
  Query: {
    rateLimit: (_, __, context) => {
      if (!context.rateLimitStatus) {
        throw new GraphQLError('The rate-limit status is not available for this request.', {
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      }
      return context.rateLimitStatus;
    },
  },
};
