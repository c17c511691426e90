import { TIER_NAMES, type TierName } from '../config/index.js';

/** How loaded the process is, as the shedder measures it. */
export interface ProcessLoad {
  /** GraphQL operations of this process between their start and their response. */
  inFlight: number;
  /** Mean event-loop delay over the last sample, in ms (beyond the sampler's own resolution). */
  eventLoopDelayMs: number;
}

/** The saturation thresholds: each signal's "moderately saturated" mark; 0 does not watch it. */
export interface SheddingThresholds {
  /** In-flight operations at which the lowest tier is shed; twice it sheds the next. 0: not watched. */
  maxInFlight: number;
  /** Mean event-loop delay (ms) at which the lowest tier is shed; twice it sheds the next. 0: not watched. */
  eventLoopDelayMs: number;
  /**
   * How long the load must stay under a level's exit mark before the level is left, in ms: one
   * level down per cool-down, so that a flood that pauses for a moment is not let back in at once.
   */
  coolDownMs: number;
}

/**
 * The highest level: every tier but the top one shed. The top tier (`pro`) is never shed: when
 * even paying traffic saturates the process, refusing it would only turn its slow answers into
 * errors for the very customers shedding protects. That calls for more processes, not fewer answers.
 */
export const MAX_SHEDDING_LEVEL = TIER_NAMES.length - 1;

/**
 * A level is left only once the load is under this share of the mark that entered it (and has
 * stayed there for the cool-down): a load hovering at a mark does not switch shedding on and off.
 */
export const EXIT_SHARE = 0.8;

/** Tiers shed at each level, lowest priority first: level 1 sheds `anonymous`, level 2 `free` too. */
export function shedTiers(level: number): TierName[] {
  return TIER_NAMES.slice(0, level);
}

/** Whether `tier` is shed at `level` (tiers rank in the order of {@link TIER_NAMES}). */
export function isShed(level: number, tier: TierName): boolean {
  return TIER_NAMES.indexOf(tier) < level;
}

/** The shedding level as the load goes: see {@link createSheddingLevel}. */
export interface SheddingLevel {
  /** Takes a measurement (at `nowMs`, any monotonic clock) and returns the level it leaves. */
  observe(load: ProcessLoad, nowMs: number): number;
  /** The current level: 0 sheds nothing. */
  readonly level: number;
}

/**
 * The shedding decision, a pure state machine over measurements and their times. The pressure is
 * the larger of `inFlight / maxInFlight` and `eventLoopDelayMs / eventLoopDelayMs threshold`
 * (each watched signal); level `k` is entered as soon as the pressure reaches `k` (1: moderately
 * saturated, 2: twice the mark), up to {@link MAX_SHEDDING_LEVEL}. It is left one level at a time,
 * once the pressure has stayed under {@link EXIT_SHARE} of its mark for `coolDownMs`.
 */
export function createSheddingLevel(thresholds: SheddingThresholds): SheddingLevel {
  const { maxInFlight, eventLoopDelayMs, coolDownMs } = thresholds;
  let level = 0;
  /** Since when the pressure has been under the current level's exit mark; undefined: it is not. */
  let calmSince: number | undefined;

  const pressureOf = (load: ProcessLoad): number =>
    Math.max(
      maxInFlight > 0 ? load.inFlight / maxInFlight : 0,
      eventLoopDelayMs > 0 ? load.eventLoopDelayMs / eventLoopDelayMs : 0,
    );

  return {
    get level() {
      return level;
    },
    observe(load, nowMs) {
      const pressure = pressureOf(load);
      const demanded = Math.min(MAX_SHEDDING_LEVEL, Math.floor(pressure));
      if (demanded > level) {
        level = demanded;
        calmSince = undefined;
        return level;
      }
      if (level === 0 || pressure >= level * EXIT_SHARE) {
        calmSince = undefined;
        return level;
      }
      calmSince ??= nowMs;
      if (nowMs - calmSince >= coolDownMs) {
        level -= 1;
        // The level below waits a cool-down of its own, if the load is under its mark too.
        calmSince = level > 0 && pressure < level * EXIT_SHARE ? nowMs : undefined;
      }
      return level;
    },
  };
}
