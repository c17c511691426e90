import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { combineEvents, type StoreOperation, type TollgateEvents } from './events.js';
import { createLogEvents } from './log-events.js';
import { createMetrics } from './metrics.js';

/** Options of {@link createObservers}. */
export interface ObserversOptions {
  logger: Logger;
  /** The schema's `@rateLimit` coordinates, so their rejection series start at 0. */
  coordinates?: Iterable<string>;
  /** Secret of client references in logs (`TOLLGATE_LOG_CLIENT_SECRET`); default random per process. */
  clientRefSecret?: string | null;
  /** Export Node's process metrics too. Default `true`. */
  processMetrics?: boolean;
  /** Load shedding is on: export its gauges. Default `false`. */
  loadShedding?: boolean;
}

/** Everything that watches one server: its metrics registry and the events that feed it and the logs. */
export interface TollgateObservers {
  readonly registry: Registry;
  readonly events: Required<TollgateEvents>;
}

/** Metrics and rejection logs of one server, behind one set of events. */
export function createObservers(options: ObserversOptions): TollgateObservers {
  const metrics = createMetrics({
    coordinates: options.coordinates ?? [],
    processMetrics: options.processMetrics ?? true,
    loadShedding: options.loadShedding ?? false,
  });
  const logs = createLogEvents({ logger: options.logger, clientRefSecret: options.clientRefSecret ?? null });
  return { registry: metrics.registry, events: combineEvents(metrics.events, logs) };
}

/**
 * The resilient store's hooks (`onCall`, `onStateChange`) as events: spread into
 * `createLimiterStore({ …, ...storeHooks(observers.events) })`. The fallback counts as active
 * only in the `fallback` state; `unavailable` (policy `closed`) refuses instead.
 */
export function storeHooks(events: Pick<TollgateEvents, 'storeCall' | 'fallbackChanged'>): {
  onCall: (operation: StoreOperation, durationMs: number, ok: boolean) => void;
  onStateChange: (state: string) => void;
} {
  return {
    onCall: (operation, durationMs, ok) => events.storeCall?.({ operation, durationMs, ok }),
    onStateChange: (state) => events.fallbackChanged?.({ active: state === 'fallback' }),
  };
}
