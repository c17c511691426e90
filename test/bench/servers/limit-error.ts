import { GraphQLError } from 'graphql';

/** The 429 the hand-written alternatives answer with, as their usual recipes do. */
export function tooManyRequests(): GraphQLError {
  return new GraphQLError('Too many requests.', {
    extensions: { code: 'RATE_LIMITED', http: { status: 429 } },
  });
}
