import type { Logger } from '../logger.js';
import { createClientRef } from './client-ref.js';
import { REJECTED_OUTCOMES, type TollgateEvents } from './events.js';

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
 * unavailable, unauthenticated, concurrency limited, and disconnected while waiting its turn) and
 * per refused `@rateLimit` invocation, with the reason, the cost,
 * the tier and a non-reversible client reference. Served operations are not logged (the metrics
 * count them), nor are outages of the store (the resilient store logs their start and end).
 *
 * Every rejection line has `event: "rejected"`, so `jq 'select(.event == "rejected")'` finds them.
 */
export function createLogEvents(options: LogEventsOptions): TollgateEvents {
  const { logger } = options;
  const clientRef = createClientRef(options.clientRefSecret ?? null);

  return {
    operation(event) {
      if (!REJECTED_OUTCOMES.has(event.outcome)) return;
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
  };
}
