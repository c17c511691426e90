import type { ApolloServerPlugin } from '@apollo/server';
import type { Redis } from 'ioredis';
import type { TollgateContext } from '../../../src/context.js';
import { tooManyRequests } from './limit-error.js';

/**
 * The classic recipe (Redis's own INCR documentation, "rate limiter 1"): one counter per client
 * and clock-aligned window, `MULTI; INCR; EXPIRE; EXEC` on every operation, refuse above `limit`.
 */
export function createClassicPlugin(
  redis: Redis,
  limit: number,
  windowSec: number,
): ApolloServerPlugin<TollgateContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          const windowNumber = Math.floor(Date.now() / (windowSec * 1000));
          const key = `classic:${rc.contextValue.client.id}:${windowNumber}`;
          const replies = await redis.multi().incr(key).expire(key, windowSec).exec();
          const [incrError, count] = replies?.[0] ?? [null, 0];
          if (incrError) throw incrError;
          if (Number(count) > limit) throw tooManyRequests();
        },
      };
    },
  };
}
