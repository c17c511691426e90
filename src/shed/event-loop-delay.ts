import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Measures how late the event loop runs: see {@link sampleEventLoopDelay}. */
export interface EventLoopDelaySampler {
  /** Mean delay since the previous call (or the start), in ms; starts the next sample. */
  takeMeanMs(): number;
  /** Stops measuring. */
  stop(): void;
}

/** How often Node's monitor checks the loop, in ms: finer costs more timer wake-ups. */
const RESOLUTION_MS = 10;

/**
 * Samples the event loop's delay with Node's `monitorEventLoopDelay` (a libuv timer every 10 ms
 * that records how late it fires). The mean over a sample is how long a new request waits for the
 * loop, on average: one long pause (a GC) among many prompt turns hardly moves it, a loop kept busy
 * by more work than it can do moves it a lot. The monitor's own resolution is taken off, so an idle
 * loop reads about 0.
 */
export function sampleEventLoopDelay(): EventLoopDelaySampler {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    takeMeanMs() {
      // No turn of the monitor's timer yet: the mean is NaN, and nothing says the loop is late.
      const meanMs = histogram.count > 0 ? histogram.mean / 1e6 - RESOLUTION_MS : 0;
      histogram.reset();
      return Math.max(0, meanMs);
    },
    stop: () => histogram.disable(),
  };
}
