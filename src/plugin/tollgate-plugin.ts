import type {
  ApolloServerPlugin,
  GraphQLRequestContext,
  GraphQLRequestContextDidResolveOperation,
  GraphQLRequestListener,
} from '@apollo/server';
import type { TierConfig, TierName } from '../config/index.js';
import type { TollgateContext } from '../context.js';
import { type CostModel, estimateCost } from '../cost/index.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import { limiterUnavailableError, tooExpensiveError } from '../errors.js';
import { type LimiterStore, StoreUnavailableError } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { isIntrospectionOnly } from '../sandbox/introspection-only.js';
import { type ChargeDependencies, chargeOperation } from './charge-operation.js';
import { executeDryRun, isDryRun } from './dry-run.js';
import { bucketPolicy, rateLimitStatus } from './feedback.js';
import { actualCostOf, forRequest, type OperationLedger, requestOf, tellClient } from './operation-ledger.js';
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
  /** `enforce` (default) refuses over-budget operations; `measure` reports and logs only. */
  mode?: 'enforce' | 'measure';
  /** For measure-mode notes and unexpected store failures. */
  logger: Logger;
  /** Told of every priced operation and refused field (metrics, logs). */
  events?: TollgateEvents;
}

/**
 * The Apollo plugin that prices each operation once it is resolved, charges the price and the
 * planned `@rateLimit` calls to the store in one round trip, refuses what the bucket cannot
 * hold (429), refunds the difference between estimated and actual cost after the response,
 * and tells the client where it stands (`extensions.cost`, RateLimit headers).
 */
export function createTollgatePlugin(options: TollgatePluginOptions): ApolloServerPlugin<TollgateContext> {
  const { store, costModel, rateLimitRules, logger, events = {} } = options;
  const enforce = (options.mode ?? 'enforce') === 'enforce';
  const refunds = createRefunds(store, logger);
  const deps: ChargeDependencies = {
    store,
    costModel,
    rateLimitRules,
    isTracked: (coordinate) => rateLimitRules.has(coordinate),
    enforce,
    logger,
    events,
  };

  /** Prices the operation; marks it too expensive when no operation of its tier may cost that much. */
  function price(rc: GraphQLRequestContextDidResolveOperation<TollgateContext>): OperationLedger {
    const { client } = rc.contextValue;
    const tier = options.tiers[client.tier];
    // Reading the schema is free, or an explorer left open would drain its own bucket; the
    // document limits still bound such operations.
    const introspectionOnly = isIntrospectionOnly(rc.document, rc.operation);
    const estimatedCost = introspectionOnly ? 0 : estimateCost(costModel, rc.document, requestOf(rc)).cost;
    const ledger: OperationLedger = {
      outcome: 'served',
      estimatedCost,
      tierName: client.tier,
      tier,
      charge: null,
      grants: null,
      remainingMilli: null,
      introspectionOnly,
      costModel,
    };
    if (estimatedCost > tier.maxCost) {
      if (enforce) {
        ledger.outcome = 'too_expensive';
        return ledger;
      }
      logger.info(
        { reason: 'too_expensive', cost: estimatedCost, max: tier.maxCost, tier: client.tier, enforce },
        'over the maximum cost',
      );
    }
    return ledger;
  }

  /** A dry run: the bucket as it stands, nothing charged, nothing run but the `rateLimit` field. */
  async function peek(rc: GraphQLRequestContext<TollgateContext>, ledger: OperationLedger): Promise<void> {
    ledger.outcome = 'dry_run';
    const bucket = await store.peek(rc.contextValue.client.id, bucketPolicy(ledger.tier));
    ledger.remainingMilli = bucket.remainingMilli;
    rc.contextValue.rateLimitStatus = rateLimitStatus(
      ledger.estimatedCost,
      ledger.tier,
      bucket.remainingMilli,
      bucket.fullAfterMs,
    );
  }

  return {
    async serverWillStart() {
      // Refunds run after responses; let them land before the store closes.
      return { serverWillStop: () => refunds.drain() };
    },

    async requestDidStart(): Promise<GraphQLRequestListener<TollgateContext>> {
      let ledger: OperationLedger | undefined;

      return {
        async didResolveOperation(rc) {
          ledger = price(rc);
          if (ledger.outcome === 'too_expensive') {
            throw forRequest(rc, tooExpensiveError(ledger.estimatedCost, ledger.tier.maxCost));
          }
          try {
            if (rc.operation && isDryRun(rc.operation, rc.request.variables ?? {}))
              return await peek(rc, ledger);
            await chargeOperation(deps, rc, rc.document, ledger);
          } catch (error) {
            if (ledger.outcome === 'throttled') throw error;
            const retryAfterSec = error instanceof StoreUnavailableError ? error.retryAfterSec : 1;
            Object.assign(ledger, { outcome: 'unavailable', retryAfterSec });
            // An outage is logged once by the store and each refusal by the log observer; only an
            // unexpected failure (a bug, not Redis) is worth a line of its own here.
            if (!(error instanceof StoreUnavailableError)) {
              logger.error({ err: (error as Error).message }, 'the limiter store failed unexpectedly');
            }
            throw forRequest(rc, limiterUnavailableError(retryAfterSec));
          }
        },

        async responseForOperation(rc) {
          if (ledger?.outcome !== 'dry_run') return null;
          const result = await executeDryRun(
            rc.schema,
            rc.document,
            rc.operation,
            rc.contextValue,
            rc.request.variables,
          );
          return { http: rc.response.http, body: { kind: 'single', singleResult: result } };
        },

        async willSendResponse(rc) {
          if (!ledger) return;
          const body = rc.response.body;
          const actual = actualCostOf(
            ledger,
            rc,
            body?.kind === 'single' ? body.singleResult.data : undefined,
          );
          refunds.refundLater(rc.contextValue.client.id, ledger, actual);
          tellClient(rc, ledger, actual);
          events.operation?.({
            outcome: ledger.outcome,
            tier: ledger.tierName,
            client: rc.contextValue.client.id,
            estimatedCost: ledger.estimatedCost,
            actualCost: actual,
            ...(ledger.retryAfterSec === undefined ? {} : { retryAfterSec: ledger.retryAfterSec }),
          });
        },
      };
    },
  };
}
