import type { ApolloServerPlugin } from '@apollo/server';
import type { Cluster, Redis, Result } from 'ioredis';
import type { TollgateContext } from '../../../src/context.js';

/**
 * A plugin that does nothing, with the hooks Tollgate's plugin registers (`requestDidStart`, and
 * per request `didResolveOperation`, `responseForOperation`, `willSendResponse`): what Apollo
 * spends dispatching them, a floor under any plugin that limits before execution and tells the
 * client after it.
 */
export function createEmptyHooksPlugin(): ApolloServerPlugin<TollgateContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation() {},
        async responseForOperation() {
          return null;
        },
        async willSendResponse() {},
      };
    },
  };
}

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
 * Tollgate sends its charge (same client options, one key and the seven arguments of a charge
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
          await redis.benchNoopCharge(1, key, 1_000_000_000, 1_000_000_000, 1000, 0, 0, 0, `r${reservation}`);
        },
      };
    },
  };
}
