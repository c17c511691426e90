import type { TierName } from '../config/index.js';
import type { LimiterStore } from '../limiter/store.js';

/** How an operation ended, as far as limiting goes. */
export type OperationOutcome =
  /** Charged and run (fields may still have been refused by their windows). */
  | 'served'
  /**
   * Charged by the in-process fallback limiter and run, because the shared store was unreachable.
   * The plugin reports such operations as `served`; the metrics count them as `fallback` while a
   * {@link TollgateEvents.fallbackChanged} says the fallback is active. A producer that knows
   * better may report `fallback` itself.
   */
  | 'fallback'
  /** The bucket could not hold the price: 429. */
  | 'throttled'
  /** Over the tier's maximum cost: 400. */
  | 'too_expensive'
  /** Priced with `rateLimit(dryRun: true)`: neither run nor charged. */
  | 'dry_run'
  /** The store could not decide and the failure policy is `closed`: 503. */
  | 'unavailable'
  /** The client had its tier's `maxConcurrent` operations in flight already: 429, nothing taken. */
  | 'concurrency_limited'
  /** The client left while its operation waited its turn (`maxWaitMs`): nothing ran, the charge went back. */
  | 'disconnected'
  /** Refused before pricing: an unknown, revoked or malformed API key (401). Costs are 0. */
  | 'unauthenticated'
  /** Refused before parsing: the process is saturated and sheds this tier (503). Costs are 0. */
  | 'shed';

/** Every {@link OperationOutcome}, in a stable order (metric series are created for each). */
export const OPERATION_OUTCOMES: readonly OperationOutcome[] = [
  'served',
  'fallback',
  'throttled',
  'too_expensive',
  'dry_run',
  'unavailable',
  'unauthenticated',
  'shed',
  'concurrency_limited',
  'disconnected',
];

/** Outcomes that refused the operation: each gets one log line. */
export const REJECTED_OUTCOMES: ReadonlySet<OperationOutcome> = new Set([
  'throttled',
  'too_expensive',
  'unavailable',
  'unauthenticated',
  'shed',
  'concurrency_limited',
  'disconnected',
]);

/** One priced (or, for `unauthenticated` and `shed`, refused before pricing) operation. */
export interface OperationEvent {
  outcome: OperationOutcome;
  tier: TierName;
  /** Non-secret client id (`key:<hash>`, `ip:<address>`); observers must not export it as a label. */
  client: string;
  estimatedCost: number;
  /** Measured from the response; 0 when nothing ran. */
  actualCost: number;
  /** `Retry-After` seconds, for throttled, concurrency-limited, unavailable and shed answers. */
  retryAfterSec?: number;
  /** How long it waited its turn, in ms, when it did (`maxWaitMs`): served after it, or disconnected. */
  waitMs?: number;
}

/**
 * One operation of this process started (`delta: 1`) or stopped (`-1`) waiting its turn, or holding
 * a concurrency slot.
 */
export interface InFlightEvent {
  tier: TierName;
  delta: 1 | -1;
}

/** One `@rateLimit` invocation refused by its window. */
export interface FieldRefusedEvent {
  /** `Type.field`, bounded by the schema. */
  coordinate: string;
  tier: TierName;
  /** As in {@link OperationEvent.client}: never a label. */
  client: string;
}

/** A store method that talks to the backend (Redis). */
export type StoreOperation = Exclude<keyof LimiterStore, 'kind' | 'close'>;

/** Every {@link StoreOperation}. */
export const STORE_OPERATIONS: readonly StoreOperation[] = ['charge', 'refund', 'peek', 'ping'];

/** One call to the shared store (Redis), timed by whoever makes it. */
export interface StoreCallEvent {
  operation: StoreOperation;
  durationMs: number;
  /** `false` when the call rejected or passed its deadline. */
  ok: boolean;
}

/** The in-process fallback limiter took over (`active: true`) or handed back to Redis. */
export interface FallbackChangedEvent {
  active: boolean;
}

/** The load shedder's latest sample of the process's load (every half second while it is on). */
export interface LoadSampledEvent {
  /** 0 sheds nothing; level `k` sheds the `k` lowest tiers. */
  level: number;
  /** GraphQL operations of this process between their start and their response. */
  inFlight: number;
  /** Mean event-loop delay over the sample, in ms. */
  eventLoopDelayMs: number;
}

/** The load shedder changed level: `shedTiers` are refused from now on (none at level 0). */
export interface SheddingChangedEvent extends LoadSampledEvent {
  previousLevel: number;
  shedTiers: TierName[];
}

/**
 * What Tollgate tells its observers (metrics, logs). Every method is optional; observers must be
 * cheap and must not throw: they run on the request path.
 */
export interface TollgateEvents {
  /** Once per operation that reached pricing (and once per `unauthenticated` refusal). */
  operation?(event: OperationEvent): void;
  /** One `@rateLimit` invocation refused by its window. */
  fieldRefused?(event: FieldRefusedEvent): void;
  /** An operation started or stopped waiting its turn (`maxWaitMs`). */
  waiting?(event: InFlightEvent): void;
  /** An operation took or released a concurrency slot (`maxConcurrent`). */
  slotHeld?(event: InFlightEvent): void;
  /**
   * One store call (the resilient store's `onCall(op, durationMs, ok)`).
   * Feeds the Redis latency histogram.
   */
  storeCall?(event: StoreCallEvent): void;
  /**
   * The fallback limiter became active or inactive (the resilient store's `onStateChange`:
   * active while its circuit is not `closed`).
   */
  fallbackChanged?(event: FallbackChangedEvent): void;
  /** The load shedder measured the process's load (only while load shedding is on). */
  loadSampled?(event: LoadSampledEvent): void;
  /** The load shedder started shedding, shed more or fewer tiers, or stopped. */
  sheddingChanged?(event: SheddingChangedEvent): void;
}

/**
 * Fans one event out to several observers. Each event's handlers are picked once, here: an event
 * one observer handles calls it directly, and observers without a handler cost nothing. (This runs
 * a few times per operation; the observers' methods are read now, not at each event.)
 */
export function combineEvents(...observers: TollgateEvents[]): Required<TollgateEvents> {
  return {
    operation: fanOut(observers, 'operation'),
    fieldRefused: fanOut(observers, 'fieldRefused'),
    waiting: fanOut(observers, 'waiting'),
    slotHeld: fanOut(observers, 'slotHeld'),
    storeCall: fanOut(observers, 'storeCall'),
    fallbackChanged: fanOut(observers, 'fallbackChanged'),
    loadSampled: fanOut(observers, 'loadSampled'),
    sheddingChanged: fanOut(observers, 'sheddingChanged'),
  };
}

/** One event's handler that calls each observer's, in order. */
function fanOut<K extends keyof TollgateEvents>(
  observers: readonly TollgateEvents[],
  name: K,
): Required<TollgateEvents>[K] {
  type Handler = (event: Parameters<Required<TollgateEvents>[K]>[0]) => void;
  const handlers: Handler[] = [];
  for (const observer of observers) {
    const handler = observer[name] as Handler | undefined;
    if (handler) handlers.push(handler.bind(observer));
  }
  const [first, second] = handlers;
  let combined: Handler;
  if (handlers.length === 0 || !first) combined = () => {};
  else if (handlers.length === 1) combined = first;
  else if (handlers.length === 2 && second)
    combined = (event) => {
      first(event);
      second(event);
    };
  else
    combined = (event) => {
      for (const handler of handlers) handler(event);
    };
  return combined as Required<TollgateEvents>[K];
}
