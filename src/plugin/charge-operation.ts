import type { GraphQLRequestContext } from '@apollo/server';
import type { DocumentNode } from 'graphql';
import type { TollgateContext } from '../context.js';
import { type CostModel, planFieldCalls } from '../cost/index.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import { throttledError } from '../errors.js';
import type { LimiterStore } from '../limiter/store.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { bucketPolicy, rateLimitStatus, wholeSeconds } from './feedback.js';
import { FieldGrants, plannedWindows } from './field-grants.js';
import { forRequest, type OperationLedger, requestOf } from './operation-ledger.js';

/** What {@link chargeOperation} works with; fixed for the life of the plugin. */
export interface ChargeDependencies {
  store: LimiterStore;
  costModel: CostModel;
  rateLimitRules: ReadonlyMap<string, readonly RateLimitRule[]>;
  /** Whether a coordinate has `@rateLimit` rules (a stable function: plans are cached per function). */
  isTracked: (coordinate: string) => boolean;
  enforce: boolean;
  logger: Logger;
  events: TollgateEvents;
}

/**
 * Takes the operation's price from the client's bucket and its planned `@rateLimit` calls from
 * their windows, in one store call, and hands the grants to the resolvers. Throws the client's
 * answer (429) when the bucket cannot hold the price; in measure mode runs it anyway, still within
 * the strict field windows.
 */
export async function chargeOperation(
  deps: ChargeDependencies,
  rc: GraphQLRequestContext<TollgateContext>,
  document: DocumentNode,
  ledger: OperationLedger,
): Promise<void> {
  const { store, costModel, rateLimitRules, isTracked, logger, events } = deps;
  const { client } = rc.contextValue;
  const windows = plannedWindows(
    planFieldCalls(costModel, document, requestOf(rc), isTracked),
    rateLimitRules,
  );
  const takes = windows.map((window) => window.take);
  const charged = await store.charge({
    client: client.id,
    bucket: bucketPolicy(ledger.tier),
    costMilli: ledger.estimatedCost * 1000,
    windows: takes,
  });
  ledger.remainingMilli = charged.remainingMilli;
  let grantsFrom = charged;
  if (charged.allowed) {
    ledger.charge = charged;
  } else {
    const retryAfterSec = wholeSeconds(charged.retryAfterMs);
    if (deps.enforce) {
      Object.assign(ledger, { outcome: 'throttled', retryAfterSec });
      const available = Math.floor(charged.remainingMilli / 1000);
      throw forRequest(rc, throttledError(ledger.estimatedCost, available, retryAfterSec));
    }
    logger.info(
      { reason: 'throttled', cost: ledger.estimatedCost, tier: ledger.tierName, enforce: false },
      'would throttle',
    );
    grantsFrom = await store.charge({ client: client.id, bucket: null, costMilli: 0, windows: takes });
  }
  const onRefused = (rule: RateLimitRule) =>
    events.fieldRefused?.({ coordinate: rule.coordinate, tier: ledger.tierName, client: client.id });
  const grants = new FieldGrants(client.id, store, onRefused);
  windows.forEach((window, i) => {
    grants.record(window, grantsFrom.windows[i] ?? { granted: 0, retryAfterMs: 0 });
  });
  rc.contextValue.fieldAdmission = grants;
  ledger.grants = grants;
  // The bucket as the charge left it (in measure mode: as it stands, nothing taken).
  rc.contextValue.rateLimitStatus = rateLimitStatus(
    ledger.estimatedCost,
    ledger.tier,
    charged.remainingMilli,
    charged.fullAfterMs,
  );
}
