/**
 * The path of one operation through the plugin, in the order it happens:
 *
 * ```
 * didResolveOperation   price → too expensive (400)
 *                             | dry run: peek at the bucket
 *                             | charge → served | throttled (429) | concurrency_limited (429)
 *                                      | unavailable (503)
 *                             | served with a wait: wait → served | disconnected (given back)
 * responseForOperation  a dry run executes its `rateLimit` field only
 * (execution)           `@rateLimit` fields spend the charge's grants
 * willSendResponse      actual cost → refund later → extensions.cost, RateLimit headers → event
 * ```
 *
 * Every step returns where the operation stands, an {@link OperationState}; each hook keeps the
 * latest one and decides from it, in one place, what the client is answered.
 */
import type {
  GraphQLRequestContext,
  GraphQLRequestContextDidResolveOperation,
  GraphQLRequestContextResponseForOperation,
  GraphQLRequestContextWillSendResponse,
  GraphQLRequestListener,
} from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { TierConfig, TierName } from '../config/index.js';
import type { TollgateContext } from '../context.js';
import {
  actualCostOfAnalysis,
  analyseOperation,
  type CostModel,
  type CostRequest,
  type OperationAnalysis,
  planOfAnalysis,
} from '../cost/index.js';
import type { RateLimitRule } from '../directives/rate-limit.js';
import {
  clientGoneError,
  concurrencyLimitedError,
  limiterUnavailableError,
  throttledError,
  tooExpensiveError,
} from '../errors.js';
import {
  type ChargeRequest,
  type ChargeResult,
  type ConcurrencyLimit,
  type LimiterStore,
  StoreUnavailableError,
  type WindowGrant,
  type WindowTake,
} from '../limiter/store.js';
import type { Logger } from '../logger.js';
import type { OperationEvent, TollgateEvents } from '../observe/events.js';
import { isIntrospectionOnly } from '../sandbox/introspection-only.js';
import { leaveBatch } from './batch-status.js';
import { executeDryRun, isDryRun } from './dry-run.js';
import { bucketPolicy, type Feedback, rateLimitStatus, tellClient, wholeSeconds } from './feedback.js';
import { type FieldGrants, grantsFor, type PlannedWindow, plannedWindows } from './field-grants.js';
import type { Refunds } from './refunds.js';
import { concurrencyLimit, waitTurn } from './shaping.js';

/** What the flow works with: the plugin's options, resolved once. */
export interface FlowConfig {
  store: LimiterStore;
  costModel: CostModel;
  rateLimitRules: ReadonlyMap<string, readonly RateLimitRule[]>;
  /** Whether a coordinate has `@rateLimit` rules (one stable function: plans are cached per function). */
  isTracked: (coordinate: string) => boolean;
  tiers: Readonly<Record<TierName, TierConfig>>;
  /** How long a concurrency slot is held at most, in ms. */
  concurrencyLeaseMs: number;
  /** `false` in measure mode: report and log, refuse nothing. */
  enforce: boolean;
  logger: Logger;
  events: TollgateEvents;
  refunds: Refunds;
}

/** What an operation is measured against: its estimate and the caller's tier. */
export interface Price {
  readonly estimatedCost: number;
  readonly tierName: TierName;
  readonly tier: TierConfig;
  /** Schema introspection only (Sandbox polls it): priced 0, and its actual cost is 0 too. */
  readonly introspectionOnly: boolean;
  /**
   * The operation's cost analysis, looked up once and used to price, plan and measure it; `null`
   * for introspection, which is not priced.
   */
  readonly analysis: OperationAnalysis | null;
}

/**
 * The client's bucket as a store call reported it: often the store's whole answer, read through
 * this type. Name its fields; never spread, log or send it whole.
 */
interface Bucket {
  readonly remainingMilli: number;
  readonly fullAfterMs: number;
}

/** Where one operation stands; `kind` is its outcome. Replaced as it advances, never mutated. */
export type OperationState =
  | { readonly kind: 'too_expensive'; readonly price: Price }
  | { readonly kind: 'dry_run'; readonly price: Price; readonly bucket: Bucket }
  | {
      readonly kind: 'served';
      readonly price: Price;
      readonly bucket: Bucket;
      /** The charge whose unused grants (and, when `bucketCharged`, points) go back after the response. */
      readonly reservation: string;
      /** Whether the price was taken from the bucket: not in measure mode over budget (windows only). */
      readonly bucketCharged: boolean;
      readonly grants: FieldGrants;
      /** Whether the charge holds a concurrency slot, released with the refund. */
      readonly slot: boolean;
      /** How long it waited its turn before running, in ms (the store's `waitMs`). */
      readonly waitMs: number;
    }
  | {
      /** Charged, then given back whole: the client left while the operation waited its turn. */
      readonly kind: 'disconnected';
      readonly price: Price;
      readonly bucket: Bucket;
      readonly reservation: string;
      readonly bucketCharged: boolean;
      readonly grants: FieldGrants;
      readonly slot: boolean;
      readonly waitMs: number;
    }
  | {
      /** The client has its tier's `maxConcurrent` operations in flight: 429, nothing taken. */
      readonly kind: 'concurrency_limited';
      readonly price: Price;
      readonly limit: number;
      readonly retryAfterSec: number;
    }
  | {
      readonly kind: 'throttled';
      readonly price: Price;
      readonly bucket: Bucket;
      readonly retryAfterSec: number;
      /** The store's wait before the cost fits, to the millisecond (a batch adds these up). */
      readonly retryAfterMs: number;
    }
  | { readonly kind: 'unavailable'; readonly price: Price; readonly retryAfterSec: number };

/** What a charge the store refused leaves the operation at. */
type Refused = Extract<OperationState, { kind: 'throttled' | 'concurrency_limited' }>;

/** What pricing found: an operation to charge, or one no bucket of its tier may hold. */
type Priced =
  | { readonly kind: 'priced'; readonly price: Price }
  | Extract<OperationState, { kind: 'too_expensive' }>;

/** The hooks of one request. */
export function operationListener(flow: FlowConfig): GraphQLRequestListener<TollgateContext> {
  let state: OperationState | undefined;
  return {
    async didResolveOperation(rc) {
      const admitted = await admit(flow, rc);
      state = admitted;
      const { price } = admitted;
      switch (admitted.kind) {
        case 'too_expensive':
          throw forRequest(rc, tooExpensiveError(price.estimatedCost, price.tier.maxCost));
        case 'throttled': {
          const available = Math.floor(admitted.bucket.remainingMilli / 1000);
          throw forRequest(rc, throttledError(price.estimatedCost, available, admitted.retryAfterSec));
        }
        case 'unavailable':
          throw forRequest(rc, limiterUnavailableError(admitted.retryAfterSec));
        case 'concurrency_limited':
          throw forRequest(rc, concurrencyLimitedError(admitted.limit, admitted.retryAfterSec));
        case 'disconnected':
          throw forRequest(rc, clientGoneError());
        case 'served':
          rc.contextValue.fieldAdmission = admitted.grants;
          break;
      }
      // For the `rateLimit` field: the bucket after the charge (measure mode, over budget, or a dry
      // run: as it stands, nothing taken).
      const { remainingMilli, fullAfterMs } = admitted.bucket;
      rc.contextValue.rateLimitStatus = rateLimitStatus(
        price.estimatedCost,
        price.tier,
        remainingMilli,
        fullAfterMs,
      );
    },

    // Not `async`, like willSendResponse: Apollo awaits these hooks on every operation, and an
    // operation that is no dry run (nearly all) need not make a promise of its own for Apollo to await.
    responseForOperation(rc) {
      if (state?.kind !== 'dry_run') return NO_RESPONSE;
      return respondToDryRun(rc);
    },

    willSendResponse(rc) {
      try {
        if (state) settle(flow, rc, state);
        if (rc.requestIsBatched)
          leaveBatch(rc.response.http, state?.kind === 'throttled' ? state : undefined);
        return DONE;
      } catch (error) {
        // As an `async` hook would fail: Apollo calls every listener's hook before it awaits them.
        return Promise.reject(error);
      }
    },
  };
}

/** A dry run's answer: its `rateLimit` field alone, executed. */
async function respondToDryRun(rc: GraphQLRequestContextResponseForOperation<TollgateContext>) {
  const { schema, document, operation, contextValue, request } = rc;
  const result = await executeDryRun(schema, document, operation, contextValue, request.variables);
  return { http: rc.response.http, body: { kind: 'single' as const, singleResult: result } };
}

// Settled once, shared by every operation: awaiting a settled promise needs no new one.
const NO_RESPONSE: Promise<null> = Promise.resolve(null);
const DONE: Promise<void> = Promise.resolve();

/**
 * Price, then too expensive | dry run | charge: where the operation stands before it runs. The
 * charge is built and read synchronously around the store's `await` (a second store call only in
 * measure mode, over budget): every `async` function suspended there would be one more object to
 * allocate and promise to settle, on every operation.
 */
async function admit(
  flow: FlowConfig,
  rc: GraphQLRequestContextDidResolveOperation<TollgateContext>,
): Promise<OperationState> {
  const priced = price(flow, rc);
  if (priced.kind === 'too_expensive') return priced;
  const dryRun = rc.operation !== undefined && isDryRun(rc.operation, rc.request.variables ?? NO_VARIABLES);
  // Built before the try, as the price is: a plan too large to take (QUERY_TOO_COMPLEX) is the
  // client's error, 400, where the try turns what fails in the store into 503. (So is anything else
  // thrown here: a bug reaches Apollo as a 500, not as a limiter outage.)
  const charge = dryRun ? null : chargeOf(flow, rc, priced.price);
  // One try, no wrapper function: this is every operation's path to the store.
  let state: OperationState;
  try {
    if (charge === null) {
      state = await peek(flow, rc, priced.price);
    } else {
      const charged = chargedState(flow, charge, await flow.store.charge(charge.request));
      state = charged.kind === 'served' || flow.enforce ? charged : await serveAnyway(flow, charge, charged);
    }
  } catch (error) {
    state = unavailable(flow, priced.price, error);
  }
  return state.kind === 'served' && state.waitMs > 0 ? waitForTurn(flow, rc, state) : state;
}

/**
 * An operation admitted with a wait (the bucket was in debt) runs once refill has paid for it,
 * unless its client leaves first: then nothing runs and the charge goes back. In measure mode it
 * runs at once, and the wait is only logged.
 */
async function waitForTurn(
  flow: FlowConfig,
  rc: GraphQLRequestContext<TollgateContext>,
  served: Extract<OperationState, { kind: 'served' }>,
): Promise<OperationState> {
  const { waitMs, price } = served;
  if (!flow.enforce) {
    flow.logger.info({ reason: 'wait', waitMs, tier: price.tierName, enforce: false }, 'would wait');
    return served;
  }
  flow.events.waiting?.({ tier: price.tierName, delta: 1 });
  const outcome = await waitTurn(waitMs, rc.contextValue.connection);
  flow.events.waiting?.({ tier: price.tierName, delta: -1 });
  return outcome === 'ready' ? served : { ...served, kind: 'disconnected' };
}

/** Prices the operation; too expensive when no operation of its tier may cost that much. */
function price(flow: FlowConfig, rc: GraphQLRequestContextDidResolveOperation<TollgateContext>): Priced {
  const tierName = rc.contextValue.client.tier;
  const tier = flow.tiers[tierName];
  // Reading the schema is free, or an explorer left open would drain its own bucket; the
  // document limits still bound such operations.
  const introspectionOnly = isIntrospectionOnly(rc.document, rc.operation);
  const analysis = introspectionOnly ? null : analyseOperation(flow.costModel, rc.document, requestOf(rc));
  const estimatedCost = analysis ? analysis.estimate.cost : 0;
  const price: Price = { estimatedCost, tierName, tier, introspectionOnly, analysis };
  if (estimatedCost <= tier.maxCost) return { kind: 'priced', price };
  if (flow.enforce) return { kind: 'too_expensive', price };
  flow.logger.info(
    { reason: 'too_expensive', cost: estimatedCost, max: tier.maxCost, tier: tierName, enforce: false },
    'over the maximum cost',
  );
  return { kind: 'priced', price };
}

/** A dry run: the bucket as it stands, nothing charged, nothing run but the `rateLimit` field. */
async function peek(
  flow: FlowConfig,
  rc: GraphQLRequestContext<TollgateContext>,
  price: Price,
): Promise<OperationState> {
  const bucket = await flow.store.peek(rc.contextValue.client.id, bucketPolicy(price.tier));
  return { kind: 'dry_run', price, bucket };
}

/** One operation's charge: the store's request, and the windows its grants are read against. */
interface Charge {
  readonly request: ChargeRequest;
  readonly price: Price;
  readonly windows: readonly PlannedWindow[];
  readonly concurrency: ConcurrencyLimit | null;
}

/**
 * What to take in one store call: the price from the client's bucket and the planned `@rateLimit`
 * calls from their windows.
 */
function chargeOf(
  flow: FlowConfig,
  rc: GraphQLRequestContextDidResolveOperation<TollgateContext>,
  price: Price,
): Charge {
  const plan = price.analysis ? planOfAnalysis(flow.costModel, price.analysis, flow.isTracked) : [];
  const windows = plannedWindows(plan, flow.rateLimitRules);
  const takes = windows.length === 0 ? NO_TAKES : windows.map((window) => window.take);
  const concurrency = concurrencyLimit(price.tier, flow.concurrencyLeaseMs);
  const request: ChargeRequest = {
    client: rc.contextValue.client.id,
    bucket: bucketPolicy(price.tier),
    costMilli: price.estimatedCost * 1000,
    windows: takes,
    // An operation that calls @rateLimit fields does not wait: its windows count its calls when it
    // is charged, and a call run up to maxWaitMs later could fall outside the span it was counted in.
    maxWaitMs: takes.some((take) => take.count > 0) ? 0 : (price.tier.maxWaitMs ?? 0),
    concurrency,
  };
  return { request, price, windows, concurrency };
}

/**
 * Served (a held slot told to the events), throttled (nothing taken) or concurrency-limited, as
 * the store's answer to the charge says.
 */
function chargedState(
  flow: FlowConfig,
  charge: Charge,
  charged: ChargeResult,
): Extract<OperationState, { kind: 'served' }> | Refused {
  const { price, concurrency } = charge;
  if (charged.allowed) {
    const grants = grantsOf(flow, charge, charged.windows);
    if (concurrency) flow.events.slotHeld?.({ tier: price.tierName, delta: 1 });
    const { reservation, waitMs } = charged;
    const slot = concurrency !== null;
    // The store's answer is the bucket: no copy of its two fields on every operation.
    return { kind: 'served', price, bucket: charged, reservation, bucketCharged: true, grants, slot, waitMs };
  }
  return charged.refusedBy === 'concurrency' && concurrency
    ? // A slot may free any moment: a short Retry-After.
      { kind: 'concurrency_limited', price, limit: concurrency.max, retryAfterSec: 1 }
    : {
        kind: 'throttled',
        price,
        bucket: charged,
        retryAfterSec: wholeSeconds(charged.retryAfterMs),
        retryAfterMs: charged.retryAfterMs,
      };
}

/**
 * Measure mode, over budget: served anyway, still within the strict field windows. A second call
 * takes nothing from the bucket (a look, cost 0, which also reads it when concurrency refused
 * before the bucket was read) but takes the windows' grants: the unused ones go back.
 */
async function serveAnyway(flow: FlowConfig, charge: Charge, refused: Refused): Promise<OperationState> {
  const { price, request } = charge;
  flow.logger.info(
    { reason: refused.kind, cost: price.estimatedCost, tier: price.tierName, enforce: false },
    refused.kind === 'throttled' ? 'would throttle' : 'would limit concurrency',
  );
  const windowsOnly = await flow.store.charge({
    client: request.client,
    bucket: request.bucket,
    costMilli: 0,
    windows: request.windows,
  });
  return {
    kind: 'served',
    price,
    bucket: windowsOnly,
    reservation: windowsOnly.reservation,
    bucketCharged: false,
    grants: grantsOf(flow, charge, windowsOnly.windows),
    slot: false,
    waitMs: 0,
  };
}

/** The operation's grants, each refused field call told to the events. */
function grantsOf(flow: FlowConfig, charge: Charge, granted: readonly WindowGrant[]): FieldGrants {
  const client = charge.request.client;
  const { tierName } = charge.price;
  const onRefused = (rule: RateLimitRule) =>
    flow.events.fieldRefused?.({ coordinate: rule.coordinate, tier: tierName, client });
  return grantsFor(client, flow.store, charge.windows, granted, onRefused);
}

/**
 * A store that cannot decide makes the operation `unavailable` (503, its `Retry-After`). An outage
 * is logged once by the store and each refusal by the log observer; only an unexpected failure
 * (a bug, not Redis) is worth a line of its own here.
 */
function unavailable(flow: FlowConfig, price: Price, error: unknown): OperationState {
  if (error instanceof StoreUnavailableError) {
    return { kind: 'unavailable', price, retryAfterSec: error.retryAfterSec };
  }
  flow.logger.error({ err: (error as Error).message }, 'the limiter store failed unexpectedly');
  return { kind: 'unavailable', price, retryAfterSec: 1 };
}

/**
 * Apollo answers a batch with one HTTP status and one set of headers: an operation's refusal must
 * not turn the whole batch into a 429 (a client would retry, and pay again for, the operations that
 * were served). In a batch the refusal stays in that operation's `errors` only; a batch whose every
 * operation was throttled is answered 429 once all are settled (`batch-status.ts`).
 */
function forRequest(rc: GraphQLRequestContext<TollgateContext>, error: GraphQLError): GraphQLError {
  if (!rc.requestIsBatched) return error;
  // Apollo would answer an error without a status with 500: say 200, as for a partial result.
  const extensions = { ...error.extensions, http: { status: 200, headers: new Map<string, string>() } };
  return new GraphQLError(error.message, { extensions });
}

/** After the answer: actual cost → refund later → the client's feedback → the event. */
function settle(
  flow: FlowConfig,
  rc: GraphQLRequestContextWillSendResponse<TollgateContext>,
  state: OperationState,
): void {
  const client = rc.contextValue.client.id;
  const { price } = state;
  const actual = actualCostOf(flow, rc, state);
  const refundPoints = refundUnused(flow, client, state, actual);
  // Fields named, not spread: this runs on every operation.
  const feedback: Feedback = {
    tierName: price.tierName,
    tier: price.tier,
    estimatedCost: price.estimatedCost,
    actualCost: actual,
    remainingMilli: 'bucket' in state ? state.bucket.remainingMilli : null,
    refundPoints,
  };
  // A 429's `t` names the moment its Retry-After does (a batch's is set once all are settled).
  if (state.kind === 'throttled' && !rc.requestIsBatched) feedback.retryAfterSec = state.retryAfterSec;
  if (state.kind === 'served' && flow.enforce) feedback.waitedMs = state.waitMs;
  tellClient(rc.response, feedback);
  if (!flow.events.operation) return;
  const event: OperationEvent = {
    outcome: state.kind,
    tier: price.tierName,
    client,
    estimatedCost: price.estimatedCost,
    actualCost: actual,
  };
  if ('retryAfterSec' in state) event.retryAfterSec = state.retryAfterSec;
  if ('waitMs' in state && state.waitMs > 0 && flow.enforce) event.waitMs = state.waitMs;
  flow.events.operation(event);
}

/**
 * What the operation really cost. Nothing ran: 0. It ran but there is no data to measure (an
 * error nulled the whole result): the estimate, since the resolvers did their work all the same
 * and a null must not buy a full refund.
 */
function actualCostOf(
  flow: FlowConfig,
  rc: GraphQLRequestContextWillSendResponse<TollgateContext>,
  state: OperationState,
): number {
  const { analysis } = state.price;
  if (state.kind !== 'served' || !analysis) return 0;
  const body = rc.response.body;
  const data = body?.kind === 'single' ? body.singleResult.data : undefined;
  if (!data) return state.price.estimatedCost;
  return actualCostOfAnalysis(flow.costModel, analysis, data);
}

/**
 * Gives back, after the response, what a charged operation did not use (all of it when its client
 * left while it waited), and its concurrency slot; returns the points.
 */
function refundUnused(flow: FlowConfig, client: string, state: OperationState, actual: number): number {
  if (state.kind !== 'served' && state.kind !== 'disconnected') return 0;
  const points = state.bucketCharged ? Math.max(0, state.price.estimatedCost - actual) : 0;
  const { tier } = state.price;
  flow.refunds.refundLater({
    client,
    tier,
    reservation: state.reservation,
    points,
    windows: state.grants.usage(),
    slot: state.slot,
  });
  if (state.slot) flow.events.slotHeld?.({ tier: state.price.tierName, delta: -1 });
  return points;
}

// The store's takes of an operation that calls no @rateLimit field (most): one shared array.
const NO_TAKES: readonly WindowTake[] = Object.freeze([]);

// One shared empty object, so that the cost cache serialises "no variables" once.
const NO_VARIABLES: Record<string, unknown> = Object.freeze({});

/** The request's operation as the cost functions take it. */
function requestOf(rc: GraphQLRequestContext<TollgateContext>): CostRequest {
  return { variables: rc.request.variables ?? NO_VARIABLES, operationName: rc.operationName ?? null };
}
