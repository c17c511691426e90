import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { TierName } from '../config/index.js';
import { serverOverloadedError } from '../errors.js';
import type { ClientIdentity } from '../identity/client-identity.js';
import type { TollgateEvents } from '../observe/events.js';
import { type EventLoopDelaySampler, sampleEventLoopDelay } from './event-loop-delay.js';
import { createSheddingLevel, isShed, type SheddingThresholds, shedTiers } from './shedding-level.js';

/** How often the load is sampled (the event-loop delay's mean is taken over this), in ms. */
export const SAMPLE_INTERVAL_MS = 500;

/** Options of {@link createLoadShedder}. */
export interface LoadShedderOptions {
  /** The saturation marks and the cool-down (`TollgateConfig['shedding']`). */
  thresholds: SheddingThresholds;
  /** Told of each shed request, each sample and each change of level. Default: no one. */
  events?: TollgateEvents;
  /** Measures the event loop. Default Node's `monitorEventLoopDelay`; a test gives its own. */
  sampler?: EventLoopDelaySampler;
  /** A monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
  /**
   * How often to sample, in ms. Default {@link SAMPLE_INTERVAL_MS}; 0 never samples by itself (a
   * test calls `sample()`).
   */
  sampleIntervalMs?: number;
}

/** Sheds the lowest tiers while the process is saturated: see {@link createLoadShedder}. */
export interface LoadShedder {
  /**
   * The 503 SERVER_OVERLOADED that answers a request of `client` now, or `undefined` to let it
   * through. Cheap: a comparison or two, no I/O.
   */
  refusal(client: ClientIdentity): GraphQLError | undefined;
  /** Counts the operations in flight: belongs in the Apollo Server's plugins. */
  readonly plugin: ApolloServerPlugin<BaseContext>;
  /** Measures the load now and updates the level (the timer's job; tests call it). */
  sample(): void;
  /** 0 sheds nothing; level `k` sheds the `k` lowest tiers. */
  readonly level: number;
  /** Stops the timer and the event-loop monitor. */
  close(): void;
}

/**
 * Creates the load shedder of one process. The load is the GraphQL operations in flight (counted
 * by `plugin` from the moment Apollo has the operation's source to its response) and the mean
 * event-loop delay (sampled every {@link SAMPLE_INTERVAL_MS}); the level follows them with
 * hysteresis (`createSheddingLevel`). A request is asked about right after identity, before
 * anything is parsed, priced or charged: a shed request costs its caller nothing but the retry.
 */
export function createLoadShedder(options: LoadShedderOptions): LoadShedder {
  const { thresholds } = options;
  const events = options.events ?? {};
  const now = options.now ?? (() => performance.now());
  const sampler = options.sampler ?? sampleEventLoopDelay();
  const decision = createSheddingLevel(thresholds);
  const retryAfterSec = Math.max(1, Math.ceil(thresholds.coolDownMs / 1000));
  let inFlight = 0;
  let eventLoopDelayMs = 0;
  // One answer per tier, made once: refusing must stay cheap when the process is at its busiest,
  // and a GraphQLError (its stack) costs tens of microseconds to make. Apollo copies what it sends.
  const refusals = new Map<TierName, GraphQLError>();

  /** Feeds the decision the load as it is now; tells the observers when the level moves. */
  const observe = (): number => {
    const previousLevel = decision.level;
    const level = decision.observe({ inFlight, eventLoopDelayMs }, now());
    if (level !== previousLevel) {
      events.sheddingChanged?.({
        level,
        previousLevel,
        shedTiers: shedTiers(level),
        inFlight,
        eventLoopDelayMs,
      });
    }
    return level;
  };

  const sample = () => {
    eventLoopDelayMs = sampler.takeMeanMs();
    const level = observe();
    events.loadSampled?.({ level, inFlight, eventLoopDelayMs });
  };
  const intervalMs = options.sampleIntervalMs ?? SAMPLE_INTERVAL_MS;
  const timer = intervalMs > 0 ? setInterval(sample, intervalMs) : undefined;
  // Measuring must not keep a process alive that has nothing else to do.
  timer?.unref();

  return {
    refusal(client) {
      // The in-flight count moves between samples: a flood is met at once, not half a second on.
      if (!isShed(observe(), client.tier)) return undefined;
      events.operation?.({
        outcome: 'shed',
        tier: client.tier,
        client: client.id,
        estimatedCost: 0,
        actualCost: 0,
        retryAfterSec,
      });
      let refusal = refusals.get(client.tier);
      if (!refusal) {
        refusal = serverOverloadedError(client.tier, retryAfterSec);
        refusals.set(client.tier, refusal);
      }
      return refusal;
    },
    plugin: {
      async requestDidStart() {
        let counted = false;
        return {
          // Counted from when execution starts (the resolvers' work), so that an operation
          // waiting its turn (maxWaitMs), which costs the process nothing, does not count; every
          // count is matched by the response that ends it.
          async executionDidStart() {
            counted = true;
            inFlight += 1;
          },
          async willSendResponse() {
            if (!counted) return;
            counted = false;
            inFlight -= 1;
          },
        };
      },
    },
    sample,
    get level() {
      return decision.level;
    },
    close() {
      if (timer) clearInterval(timer);
      sampler.stop();
    },
  };
}
