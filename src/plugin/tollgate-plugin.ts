import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { TierConfig, TierName } from '../config/index.js';
import { DEFAULT_CONCURRENCY_LEASE_MS } from '../config/settings.js';
import type { TollgateContext } from '../context.js';
import type { CostModel } from '../cost/index.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import type { LimiterStore } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { joinBatch } from './batch-status.js';
import { type FlowConfig, operationListener } from './operation-flow.js';
import { createRefunds } from './refunds.js';

/** Options of {@link createTollgatePlugin}. */
export interface TollgatePluginOptions {
  /** Where buckets and windows live. */
  store: LimiterStore;
  /** The schema's prices (`createCostModel`). */
  costModel: CostModel;
  /** Every `@rateLimit` of the schema, by field coordinate (`readRateLimitRules`). */
  rateLimitRules: ReadonlyMap<string, readonly RateLimitRule[]>;
  /** Bucket sizes per tier. */
  tiers: Readonly<Record<TierName, TierConfig>>;
  /**
   * How long a concurrency slot (`maxConcurrent`) is held at most, in ms, counted from when its
   * operation may run. Default {@link DEFAULT_CONCURRENCY_LEASE_MS}.
   */
  concurrencyLeaseMs?: number;
  /** `enforce` (default) refuses over-budget operations; `measure` reports and logs only. */
  mode?: 'enforce' | 'measure';
  /** For measure-mode notes and unexpected store failures. */
  logger: Logger;
  /** Told of every priced operation and refused field (metrics, logs). Default: no one. */
  events?: TollgateEvents;
  /**
   * Called once when Apollo Server stops, after every refund still in flight has landed (or
   * failed): the place to close the store and whatever else the operations used, which no
   * refund needs any more. Apollo waits for it. Default: nothing.
   */
  onServerStop?: () => Promise<void>;
}

/**
 * The Apollo plugin that prices each operation once it is resolved, charges the price and the
 * planned `@rateLimit` calls to the store in one round trip, refuses what the bucket cannot
 * hold (429), refunds the difference between estimated and actual cost after the response,
 * and tells the client where it stands (`extensions.cost`, RateLimit headers). The path of one
 * operation is `operation-flow.ts`.
 */
export function createTollgatePlugin(options: TollgatePluginOptions): ApolloServerPlugin<TollgateContext> {
  const { store, rateLimitRules, logger, onServerStop } = options;
  const refunds = createRefunds(store, logger);
  const flow: FlowConfig = {
    store,
    costModel: options.costModel,
    rateLimitRules,
    isTracked: (coordinate) => rateLimitRules.has(coordinate),
    tiers: options.tiers,
    concurrencyLeaseMs: options.concurrencyLeaseMs ?? DEFAULT_CONCURRENCY_LEASE_MS,
    enforce: (options.mode ?? 'enforce') === 'enforce',
    logger,
    events: options.events ?? {},
    refunds,
  };

  return {
    async serverWillStart() {
      return {
        async serverWillStop() {
          // Refunds run after responses; let them land before the store closes.
          await refunds.drain();
          await onServerStop?.();
        },
      };
    },

    async requestDidStart(rc): Promise<GraphQLRequestListener<TollgateContext>> {
      // Synchronous, before any await: every operation of a batch is counted before one can finish.
      if (rc.requestIsBatched) joinBatch(rc.response.http);
      return operationListener(flow);
    },
  };
}
