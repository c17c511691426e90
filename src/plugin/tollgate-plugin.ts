import type { ApolloServerPlugin, GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';
import { type DocumentNode, GraphQLError } from 'graphql';
import type { TierConfig, TierName } from '../config.js';
import type { TollgateContext } from '../context.js';
import { actualCost, type CostModel, estimateCost, planFieldCalls } from '../cost/index.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import { limiterUnavailableError, throttledError, tooExpensiveError } from '../errors.js';
import { type ChargeResult, type LimiterStore, StoreUnavailableError } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import type { OperationOutcome, TollgateEvents } from '../observe/events.js';
import { isIntrospectionOnly } from '../sandbox/introspection-only.js';
import { executeDryRun, isDryRun } from './dry-run.js';
import {
  bucketPolicy,
  type CostExtension,
  rateLimitHeaders,
  rateLimitStatus,
  throttleStatus,
  wholeSeconds,
} from './feedback.js';
import { FieldGrants, plannedWindows } from './field-grants.js';

// One shared empty object, so that the cost cache serialises "no variables" once.
const NO_VARIABLES: Record<string, unknown> = Object.freeze({});

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
  logger: Logger;
  /** Told of every priced operation and refused field (metrics, logs). */
  events?: TollgateEvents;
}

/** What one operation was priced and charged; kept between the plugin's hooks. */
interface OperationLedger {
  outcome: OperationOutcome;
  estimatedCost: number;
  tierName: TierName;
  tier: TierConfig;
  /** The successful charge, to refund from; `null` when nothing was taken. */
  charge: ChargeResult | null;
  grants: FieldGrants | null;
  /** The bucket's milli-points as last seen, for the client's feedback. */
  remainingMilli: number | null;
  retryAfterSec?: number;
  /** Schema introspection only (Sandbox polls it): priced 0, and its actual cost is 0 too. */
  introspectionOnly: boolean;
  costModel: CostModel;
}

/**
 * The Apollo plugin that prices each operation once it is resolved, charges the price and the
 * planned `@rateLimit` calls to the store in one round trip, refuses what the bucket cannot
 * hold (429), refunds the difference between estimated and actual cost after the response,
 * and tells the client where it stands (`extensions.cost`, RateLimit headers).
 */
export function createTollgatePlugin(options: TollgatePluginOptions): ApolloServerPlugin<TollgateContext> {
  const { store, costModel, rateLimitRules, tiers, logger, events = {} } = options;
  const enforce = (options.mode ?? 'enforce') === 'enforce';
  const pendingRefunds = new Set<Promise<void>>();
  const isTracked = (coordinate: string) => rateLimitRules.has(coordinate);

  /** Takes the price and the planned calls; throws the client's answer when refused. */
  async function charge(
    rc: GraphQLRequestContext<TollgateContext>,
    document: DocumentNode,
    ledger: OperationLedger,
  ): Promise<void> {
    const { client } = rc.contextValue;
    const request = { variables: rc.request.variables ?? NO_VARIABLES, operationName: rc.operationName };
    const windows = plannedWindows(planFieldCalls(costModel, document, request, isTracked), rateLimitRules);
    const takes = windows.map((window) => window.take);
    const policy = bucketPolicy(ledger.tier);
    let result = await store.charge({
      client: client.id,
      bucket: policy,
      costMilli: ledger.estimatedCost * 1000,
      windows: takes,
    });
    ledger.remainingMilli = result.remainingMilli;
    if (!result.allowed) {
      const retryAfterSec = wholeSeconds(result.retryAfterMs);
      if (enforce) {
        Object.assign(ledger, { outcome: 'throttled', retryAfterSec });
        throw forRequest(
          rc,
          throttledError(ledger.estimatedCost, Math.floor(result.remainingMilli / 1000), retryAfterSec),
        );
      }
      logger.info(
        { reason: 'throttled', cost: ledger.estimatedCost, tier: ledger.tierName, enforce },
        'would throttle',
      );
      // Measuring only: run it anyway, still within the strict field windows.
      result = await store.charge({ client: client.id, bucket: null, costMilli: 0, windows: takes });
    } else {
      ledger.charge = result;
    }
    const onRefused = (rule: RateLimitRule) =>
      events.fieldRefused?.({ coordinate: rule.coordinate, tier: ledger.tierName, client: client.id });
    const grants = new FieldGrants(client.id, store, onRefused);
    windows.forEach((window, i) => {
      grants.record(window, result.windows[i] ?? { granted: 0, retryAfterMs: 0 });
    });
    rc.contextValue.fieldAdmission = grants;
    ledger.grants = grants;
    rc.contextValue.rateLimitStatus = rateLimitStatus(
      ledger.estimatedCost,
      ledger.tier,
      result.remainingMilli,
      result.fullAfterMs,
    );
  }

  /** Gives back estimate − actual and the unused grants, off the response's path. */
  function refundLater(client: string, ledger: OperationLedger, actual: number): void {
    if (!ledger.charge) return;
    const refundMilli = Math.max(0, ledger.estimatedCost - actual) * 1000;
    const windows = ledger.grants?.usage() ?? [];
    if (refundMilli === 0 && windows.every((window) => window.used >= window.granted)) return;
    const refund = store
      .refund({
        client,
        bucket: bucketPolicy(ledger.tier),
        refundMilli,
        reservation: ledger.charge.reservation,
        windows,
      })
      .catch((error: Error) => logger.warn({ err: error.message }, 'refund failed'))
      .finally(() => pendingRefunds.delete(refund));
    pendingRefunds.add(refund);
  }

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

      return {
        async didResolveOperation(rc) {
          const { client } = rc.contextValue;
          const variables = rc.request.variables ?? NO_VARIABLES;
          const tier = tiers[client.tier];
          // Reading the schema is free, or an explorer left open would drain its own bucket; the
          // document limits still bound such operations.
          const introspectionOnly = isIntrospectionOnly(rc.document, rc.operation);
          const estimatedCost = introspectionOnly
            ? 0
            : estimateCost(costModel, rc.document, { variables, operationName: rc.operationName }).cost;
          ledger = {
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
              throw forRequest(rc, tooExpensiveError(estimatedCost, tier.maxCost));
            }
            logger.info(
              { reason: 'too_expensive', cost: estimatedCost, max: tier.maxCost, tier: client.tier, enforce },
              'over the maximum cost',
            );
          }
          try {
            if (rc.operation && isDryRun(rc.operation, variables)) {
              ledger.outcome = 'dry_run';
              const bucket = await store.peek(client.id, bucketPolicy(tier));
              ledger.remainingMilli = bucket.remainingMilli;
              rc.contextValue.rateLimitStatus = rateLimitStatus(
                estimatedCost,
                tier,
                bucket.remainingMilli,
                bucket.fullAfterMs,
              );
              return;
            }
            await charge(rc, rc.document, ledger);
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
          const data = body?.kind === 'single' ? body.singleResult.data : undefined;
          const actual = actualCostOf(ledger, rc, data);
          refundLater(rc.contextValue.client.id, ledger, actual);
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

/**
 * What the operation really cost. Nothing ran: 0. It ran but there is no data to measure (an
 * error nulled the whole result): the estimate, since the resolvers did their work all the same
 * and a null must not buy a full refund.
 */
function actualCostOf(
  ledger: OperationLedger,
  rc: GraphQLRequestContext<TollgateContext>,
  data: Record<string, unknown> | null | undefined,
): number {
  if (ledger.outcome !== 'served' || ledger.introspectionOnly) return 0;
  if (!data || !rc.document) return ledger.estimatedCost;
  return actualCost(ledger.costModel, rc.document, requestOf(rc), data);
}

/**
 * Apollo answers a batch with one HTTP status and one set of headers: an operation's refusal must
 * not turn the whole batch into a 429 (a client would retry, and pay again for, the operations that
 * were served). In a batch the refusal stays in that operation's `errors` only.
 */
function forRequest(rc: GraphQLRequestContext<TollgateContext>, error: GraphQLError): GraphQLError {
  if (!rc.requestIsBatched) return error;
  // Apollo would answer an error without a status with 500: say 200, as for a partial result.
  const extensions = { ...error.extensions, http: { status: 200, headers: new Map<string, string>() } };
  return new GraphQLError(error.message, { extensions });
}

function requestOf(rc: GraphQLRequestContext<TollgateContext>) {
  return { variables: rc.request.variables ?? NO_VARIABLES, operationName: rc.operationName ?? null };
}

/** Sets `extensions.cost` and the RateLimit headers: the bucket as it stands once refunded. */
function tellClient(
  rc: GraphQLRequestContext<TollgateContext>,
  ledger: OperationLedger,
  actual: number,
): void {
  const cost: CostExtension = { requestedQueryCost: ledger.estimatedCost, actualQueryCost: actual };
  if (ledger.remainingMilli !== null) {
    const refund = ledger.charge ? Math.max(0, ledger.estimatedCost - actual) : 0;
    cost.throttleStatus = throttleStatus(ledger.tier, ledger.remainingMilli, refund);
    const headers = rateLimitHeaders(ledger.tierName, ledger.tier, cost.throttleStatus);
    for (const [name, value] of Object.entries(headers)) rc.response.http.headers.set(name, value);
  }
  const body = rc.response.body;
  if (body?.kind === 'single') body.singleResult.extensions = { ...body.singleResult.extensions, cost };
}
