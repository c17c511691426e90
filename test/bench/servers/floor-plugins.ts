import type { ApolloServerPlugin } from '@apollo/server';
import type { Cluster, Redis, Result } from 'ioredis';
import type { TollgateContext } from '../../../src/context.js';

/**
 * A plugin that decides nothing, with the hooks Tollgate's plugin registers (`requestDidStart`, and
 * per request `didResolveOperation`, `responseForOperation`, `willSendResponse`), that answers as
 * Tollgate answers a served operation: `extensions.cost` (fixed numbers) and the two RateLimit
 * fields. What Apollo spends dispatching the hooks and writing the bigger answer: a floor under any
 * limiter that limits before execution and tells the client after it, as Shopify's and the IETF
 * draft's clients expect.
 */
export function createEmptyHooksPlugin(): ApolloServerPlugin<TollgateContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation() {},
        // Not `async`, as in Tollgate's plugin: a floor must not pay for a promise Tollgate does not make.
        responseForOperation() {
          return NO_RESPONSE;
        },
        willSendResponse({ response }) {
          response.http.headers.set('ratelimit-policy', '"anonymous";q=500;w=20;tollgate-qu="points"');
          response.http.headers.set('ratelimit', '"anonymous";r=499;t=1');
          if (response.body.kind !== 'single') return DONE;
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            cost: {
              requestedQueryCost: 1,
              actualQueryCost: 1,
              throttleStatus: { maximumAvailable: 500, currentlyAvailable: 499, restoreRate: 25 },
            },
          };
          return DONE;
        },
      };
    },
  };
}

const NO_RESPONSE: Promise<null> = Promise.resolve(null);
const DONE: Promise<void> = Promise.resolve();

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** A script that touches nothing and answers like Tollgate's charge (five numbers and a time). */
    benchNoopCharge(numKeys: number, ...keysAndArgs: Array<string | number>): Result<number[], Context>;
  }
}

// Reads nothing, writes nothing: what is left is the round trip and the client's own work.
const NOOP_CHARGE_LUA = 'return {1, 0, 0, 0, 0}';

/**
 * The Redis call's own floor: per operation one EVALSHA of a script that does nothing, sent as
 * Tollgate sends its charge (same client options, one key and the eight arguments of a charge
 * with no `@rateLimit` window, a reply of the same size), and nothing else.
 */
export function createEvalshaFloorPlugin(redis: Redis | Cluster): ApolloServerPlugin<TollgateContext> {
  redis.defineCommand('benchNoopCharge', { lua: NOOP_CHARGE_LUA });
  let reservation = 0;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          const key = `bench-floor:{${rc.contextValue.client.id}}`;
          reservation += 1;
          await redis.benchNoopCharge(
            1,
            key,
            1_000_000_000,
            1_000_000_000,
            1000,
            0,
            0,
            0,
            0,
            `r${reservation}`,
          );
        },
      };
    },
  };
}
