import type { Logger } from '../logger.js';
import { createClientRef } from './client-ref.js';
import { type OperationEvent, REJECTED_OUTCOMES, type TollgateEvents } from './events.js';

/** Options of {@link createLogEvents}. */
export interface LogEventsOptions {
  logger: Logger;
  /**
   * Secret of the client references in log lines (HMAC-SHA256, see `createClientRef`). Default a
   * random one per process.
   */
  clientRefSecret?: string | null;
}

/**
 * An observer that writes one log line per refused operation (throttled, too expensive, store
 * unavailable, unauthenticated, shed, concurrency limited, and disconnected while waiting its turn)
 * and per refused `@rateLimit` invocation, with the reason, the cost,
 * the tier and a non-reversible client reference. Served operations are not logged (the metrics
 * count them), nor are outages of the store (the resilient store logs their start and end).
 *
 * Every rejection line has `event: "rejected"`, so `jq 'select(.event == "rejected")'` finds them.
 * Each change of the load-shedding level gets one line with `event: "shedding"`.
 */
export function createLogEvents(options: LogEventsOptions): TollgateEvents {
  const { logger } = options;
  const clientRef = createClientRef(options.clientRefSecret ?? null);
  const logRejection = (event: OperationEvent) => {
    const line = {
      event: 'rejected',
      reason: event.outcome,
      cost: event.estimatedCost,
      tier: event.tier,
      client: clientRef(event.client),
      ...(event.retryAfterSec === undefined ? {} : { retryAfter: event.retryAfterSec }),
      ...(event.waitMs === undefined ? {} : { waitMs: event.waitMs }),
    };
    // A store that cannot decide is the operator's problem; a throttled client is routine.
    if (event.outcome === 'unavailable') logger.warn(line, `operation rejected: ${event.outcome}`);
    else logger.info(line, `operation rejected: ${event.outcome}`);
  };

  return {
    // Most operations are served: their check stays small enough to be inlined into the fan-out.
    operation(event) {
      if (REJECTED_OUTCOMES.has(event.outcome)) logRejection(event);
    },
    fieldRefused(event) {
      logger.info(
        {
          event: 'rejected',
          reason: 'field_rate_limited',
          coordinate: event.coordinate,
          tier: event.tier,
          client: clientRef(event.client),
        },
        `field rejected: ${event.coordinate}`,
      );
    },
    sheddingChanged(event) {
      const line = {
        event: 'shedding',
        // Not `level`: that is the log line's own.
        sheddingLevel: event.level,
        previousSheddingLevel: event.previousLevel,
        shedTiers: event.shedTiers,
        inFlight: event.inFlight,
        eventLoopDelayMs: Math.round(event.eventLoopDelayMs),
      };
      // Refusing paying tiers' neighbours is the operator's business; its end is good news.
      if (event.level > event.previousLevel) {
        logger.warn(line, `load shedding: shedding ${event.shedTiers.join(', ')}`);
      } else if (event.level > 0) {
        logger.info(line, `load shedding eased: shedding ${event.shedTiers.join(', ')}`);
      } else {
        logger.info(line, 'load shedding stopped');
      }
    },
  };
}
