import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { TierConfig, TierName } from '../config.js';
import type { TollgateContext } from '../context.js';
import { actualCost, type CostModel, estimateCost, planFieldCalls } from '../cost/index.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import { tollgateError } from '../errors.js';
import type { BucketPolicy, ChargeResult, LimiterStore, WindowTake } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import { executeDryRun, isDryRun } from './dry-run.js';
import { type CostExtension, rateLimitHeaders, wholeSeconds } from './feedback.js';
import { FieldGrants } from './field-grants.js';

/** Options of {@link createTollgatePlugin}. */
export interface TollgatePluginOptions {
  /** Where buckets and windows live. */
  store: LimiterStore;
  /** The schema's prices (`createCostModel`). */
  costModel: CostModel;
  /** Every `@rateLimit` of the schema (`readRateLimitRules`). */
  rateLimitRules: ReadonlyMap<string, RateLimitRule>;
  /** Bucket sizes per tier. */
  tiers: Readonly<Record<TierName, TierConfig>>;
  /** `enforce` (default) refuses over-budget operations; `measure` reports and logs only. */
  mode?: 'enforce' | 'measure';
  logger: Logger;
}

/** What one operation was priced and charged; kept between the plugin's hooks. */
interface OperationLedger {
  estimatedCost: number;
  tierName: TierName;
  tier: TierConfig;
  charge: ChargeResult | null;
  grants: FieldGrants | null;
  /** Whether resolvers run (not for refusals and dry runs): only then is there an actual cost. */
  executes: boolean;
}

/**
 * The Apollo plugin that prices each operation once it is resolved, charges the price and the
 * planned `@rateLimit` calls to the store in one round trip, refuses what the bucket cannot
 * hold (429), refunds the difference between estimated and actual cost after the response,
 * and tells the client where it stands (`extensions.cost`, RateLimit headers).
 */
export function createTollgatePlugin(options: TollgatePluginOptions): ApolloServerPlugin<TollgateContext> {
  const { store, costModel, rateLimitRules, tiers, logger } = options;
  const enforce = (options.mode ?? 'enforce') === 'enforce';
  const pendingRefunds = new Set<Promise<void>>();
  const isTracked = (coordinate: string) => rateLimitRules.has(coordinate);

  const refundLater = (client: string, ledger: OperationLedger, actual: number) => {
    if (!ledger.charge?.allowed) return;
    const refund = store
      .refund({
        client,
        bucket: bucketPolicy(ledger.tier),
        refundMilli: Math.max(0, ledger.estimatedCost - actual) * 1000,
        reservation: ledger.charge.reservation,
        windows: ledger.grants?.usage() ?? [],
      })
      .catch((error: Error) => logger.warn({ err: error.message }, 'refund failed'))
      .finally(() => pendingRefunds.delete(refund));
    pendingRefunds.add(refund);
  };

  return {
    async serverWillStart() {
      return {
        // Refunds run after responses; let them land before the store closes.
        async serverWillStop() {
          await Promise.allSettled([...pendingRefunds]);
        },
      };
    },

    async requestDidStart(): Promise<GraphQLRequestListener<TollgateContext>> {
      let ledger: OperationLedger | undefined;
      let dryRun = false;

      return {
        async didResolveOperation(rc) {
          const { client } = rc.contextValue;
          const variables = rc.request.variables ?? {};
          const request = { variables, operationName: rc.operationName };
          const tier = tiers[client.tier];
          const estimatedCost = estimateCost(costModel, rc.document, request).cost;
          ledger = {
            estimatedCost,
            tierName: client.tier,
            tier,
            charge: null,
            grants: null,
            executes: false,
          };

          if (estimatedCost > tier.maxCost) {
            logger.info(
              { reason: 'too_expensive', cost: estimatedCost, max: tier.maxCost, tier: client.tier, enforce },
              'operation over the maximum cost',
            );
            if (enforce) throw tooExpensive(estimatedCost, tier.maxCost);
          }

          if (rc.operation && isDryRun(rc.operation, variables)) {
            dryRun = true;
            const bucket = await store.peek(client.id, bucketPolicy(tier));
            rc.contextValue.rateLimitStatus = statusOf(
              estimatedCost,
              tier,
              bucket.remainingMilli,
              bucket.fullAfterMs,
            );
            return;
          }

          const windows = plannedWindows(
            planFieldCalls(costModel, rc.document, request, isTracked),
            rateLimitRules,
          );
          let charge = await store.charge({
            client: client.id,
            bucket: bucketPolicy(tier),
            costMilli: estimatedCost * 1000,
            windows,
          });
          ledger.charge = charge;
          if (!charge.allowed) {
            logger.info(
              {
                reason: 'throttled',
                cost: estimatedCost,
                tier: client.tier,
                retryAfterMs: charge.retryAfterMs,
                enforce,
              },
              'operation throttled',
            );
            if (enforce) throw throttled(estimatedCost, charge);
            // Measuring only: run it anyway, still within the strict field windows.
            charge = await store.charge({ client: client.id, bucket: null, costMilli: 0, windows });
          }
          const grants = new FieldGrants(client.id, store);
          windows.forEach((window, i) => {
            const rule = rateLimitRules.get(window.name) as RateLimitRule;
            grants.record(rule, window.count, charge.windows[i] ?? { granted: 0, retryAfterMs: 0 });
          });
          rc.contextValue.fieldAdmission = grants;
          ledger.grants = grants;
          ledger.executes = true;
          rc.contextValue.rateLimitStatus = statusOf(
            estimatedCost,
            tier,
            ledger.charge.remainingMilli,
            ledger.charge.fullAfterMs,
          );
        },

        async responseForOperation(rc) {
          if (!dryRun) return null;
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
          const data = body?.kind === 'single' ? body.singleResult.data : undefined;
          const actual =
            ledger.executes && data && rc.document
              ? actualCost(costModel, rc.document, requestOf(rc), data)
              : 0;
          refundLater(rc.contextValue.client.id, ledger, actual);
          tellClient(rc, ledger, actual);
        },
      };
    },
  };
}

function requestOf(rc: GraphQLRequestContext<TollgateContext>) {
  return { variables: rc.request.variables ?? {}, operationName: rc.operationName ?? null };
}

/** Sets `extensions.cost` and the RateLimit headers; the bucket as it stands once refunded. */
function tellClient(
  rc: GraphQLRequestContext<TollgateContext>,
  ledger: OperationLedger,
  actual: number,
): void {
  const status = rc.contextValue.rateLimitStatus;
  const refund = ledger.executes ? Math.max(0, ledger.estimatedCost - actual) : 0;
  const remainingMilli = ledger.charge
    ? ledger.charge.remainingMilli
    : status
      ? status.remaining * 1000
      : null;
  const capacityMilli = ledger.tier.capacity * 1000;
  const available =
    remainingMilli === null ? null : Math.min(capacityMilli, remainingMilli + refund * 1000) / 1000;
  const cost: Partial<CostExtension> = {
    requestedQueryCost: ledger.estimatedCost,
    actualQueryCost: actual,
  };
  if (available !== null) {
    cost.throttleStatus = {
      maximumAvailable: ledger.tier.capacity,
      currentlyAvailable: Math.floor(available),
      restoreRate: ledger.tier.refillPerSec,
    };
    const fullAfterMs = Math.ceil(((ledger.tier.capacity - available) / ledger.tier.refillPerSec) * 1000);
    const headers = rateLimitHeaders(ledger.tierName, ledger.tier, available, fullAfterMs);
    for (const [name, value] of Object.entries(headers)) rc.response.http.headers.set(name, value);
  }
  const body = rc.response.body;
  if (body?.kind === 'single') {
    body.singleResult.extensions = { ...body.singleResult.extensions, cost };
  }
}

function bucketPolicy(tier: TierConfig): BucketPolicy {
  return {
    capacityMilli: Math.round(tier.capacity * 1000),
    refillMilliPerSec: Math.round(tier.refillPerSec * 1000),
  };
}

function statusOf(cost: number, tier: TierConfig, remainingMilli: number, fullAfterMs: number) {
  const remaining = Math.floor(remainingMilli / 1000);
  return {
    cost,
    limit: tier.capacity,
    remaining,
    used: tier.capacity - remaining,
    resetAt: new Date(Date.now() + fullAfterMs).toISOString(),
  };
}

/** Sums the plan per window: aliases and list items of one field share its window. */
function plannedWindows(
  plan: ReadonlyArray<{ coordinate: string; count: number }>,
  rules: ReadonlyMap<string, RateLimitRule>,
): WindowTake[] {
  const counts = new Map<string, number>();
  for (const { coordinate, count } of plan) counts.set(coordinate, (counts.get(coordinate) ?? 0) + count);
  return [...counts].flatMap(([coordinate, count]) => {
    const rule = rules.get(coordinate);
    return rule && count > 0 ? [{ name: coordinate, max: rule.max, windowMs: rule.windowMs, count }] : [];
  });
}

function tooExpensive(estimated: number, max: number): GraphQLError {
  return tollgateError(
    'COST_ESTIMATED_TOO_EXPENSIVE',
    `This operation's estimated cost (${estimated}) exceeds the maximum of ${max} for one operation.`,
    { extensions: { 'cost.estimated': estimated, 'cost.max': max } },
  );
}

function throttled(cost: number, charge: ChargeResult): GraphQLError {
  const retryAfter = wholeSeconds(charge.retryAfterMs);
  return tollgateError(
    'RATE_LIMITED',
    `Throttled: this operation costs ${cost} points and ${Math.floor(charge.remainingMilli / 1000)} are available; try again in ${retryAfter} s.`,
    {
      extensions: { cost, available: Math.floor(charge.remainingMilli / 1000), retryAfter },
      headers: { 'Retry-After': String(retryAfter) },
    },
  );
}
