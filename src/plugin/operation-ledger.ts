import type { GraphQLRequestContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { TierConfig, TierName } from '../config/index.js';
import type { TollgateContext } from '../context.js';
import { actualCost, type CostModel, type CostRequest } from '../cost/index.js';
import type { ChargeResult } from '../limiter/store.js';
import type { OperationOutcome } from '../observe/events.js';
import { type CostExtension, rateLimitHeaders, throttleStatus } from './feedback.js';
import type { FieldGrants } from './field-grants.js';

// One shared empty object, so that the cost cache serialises "no variables" once.
const NO_VARIABLES: Record<string, unknown> = Object.freeze({});

/** What one operation was priced and charged; kept between the plugin's hooks. */
export interface OperationLedger {
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

/** The request's operation as the cost functions take it. */
export function requestOf(rc: GraphQLRequestContext<TollgateContext>): CostRequest {
  return { variables: rc.request.variables ?? NO_VARIABLES, operationName: rc.operationName ?? null };
}

/**
 * What the operation really cost. Nothing ran: 0. It ran but there is no data to measure (an
 * error nulled the whole result): the estimate, since the resolvers did their work all the same
 * and a null must not buy a full refund.
 */
export function actualCostOf(
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
export function forRequest(rc: GraphQLRequestContext<TollgateContext>, error: GraphQLError): GraphQLError {
  if (!rc.requestIsBatched) return error;
  // Apollo would answer an error without a status with 500: say 200, as for a partial result.
  const extensions = { ...error.extensions, http: { status: 200, headers: new Map<string, string>() } };
  return new GraphQLError(error.message, { extensions });
}

/** Sets `extensions.cost` and the RateLimit headers: the bucket as it stands once refunded. */
export function tellClient(
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
