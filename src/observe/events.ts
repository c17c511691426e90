import type { TierName } from '../config.js';

/** How an operation ended, as far as limiting goes. */
export type OperationOutcome =
  /** Charged and run (fields may still have been refused by their windows). */
  | 'served'
  /** The bucket could not hold the price: 429. */
  | 'throttled'
  /** Over the tier's maximum cost: 400. */
  | 'too_expensive'
  /** Priced with `rateLimit(dryRun: true)`: neither run nor charged. */
  | 'dry_run'
  /** The store could not decide and the failure policy is `closed`: 503. */
  | 'unavailable';

/** One priced operation. */
export interface OperationEvent {
  outcome: OperationOutcome;
  tier: TierName;
  /** Non-secret client id (`key:<hash>`, `ip:<address>`); observers must not export it as a label. */
  client: string;
  estimatedCost: number;
  /** Measured from the response; 0 when nothing ran. */
  actualCost: number;
  /** `Retry-After` seconds, for throttled and unavailable answers. */
  retryAfterSec?: number;
}

/**
 * What Tollgate tells its observers (metrics, logs). Every method is optional; observers must be
 * cheap and must not throw: they run on the request path.
 */
export interface TollgateEvents {
  /** Once per operation that reached pricing. */
  operation?(event: OperationEvent): void;
  /** One `@rateLimit` invocation refused by its window. */
  fieldRefused?(event: { coordinate: string; tier: TierName; client: string }): void;
}

/** Fans one event out to several observers. */
export function combineEvents(...observers: TollgateEvents[]): Required<TollgateEvents> {
  return {
    operation: (event) => {
      for (const observer of observers) observer.operation?.(event);
    },
    fieldRefused: (event) => {
      for (const observer of observers) observer.fieldRefused?.(event);
    },
  };
}
