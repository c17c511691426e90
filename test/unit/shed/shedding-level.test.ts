import { describe, expect, it } from 'vitest';
import {
  createSheddingLevel,
  isShed,
  MAX_SHEDDING_LEVEL,
  shedTiers,
} from '../../../src/shed/shedding-level.js';

const load = (inFlight: number, eventLoopDelayMs = 0) => ({ inFlight, eventLoopDelayMs });

describe('the tiers of a shedding level', () => {
  it('sheds the lowest tiers first and never the top one', () => {
    expect(shedTiers(0)).toEqual([]);
    expect(shedTiers(1)).toEqual(['anonymous']);
    expect(shedTiers(2)).toEqual(['anonymous', 'free']);
    expect(MAX_SHEDDING_LEVEL).toBe(2);
    expect(isShed(1, 'anonymous')).toBe(true);
    expect(isShed(1, 'free')).toBe(false);
    expect(isShed(2, 'free')).toBe(true);
    expect(isShed(MAX_SHEDDING_LEVEL, 'pro')).toBe(false);
  });
});

describe('createSheddingLevel', () => {
  const inFlightOnly = () => createSheddingLevel({ maxInFlight: 10, eventLoopDelayMs: 0, coolDownMs: 1000 });

  it('escalates at once: level 1 at the mark, level 2 at twice it, and no further', () => {
    const level = inFlightOnly();
    expect(level.observe(load(9), 0)).toBe(0);
    expect(level.observe(load(10), 1)).toBe(1);
    expect(level.observe(load(19), 2)).toBe(1);
    expect(level.observe(load(20), 3)).toBe(2);
    expect(level.observe(load(1000), 4)).toBe(2);
    // Straight from calm to heavy: no stop at level 1.
    expect(inFlightOnly().observe(load(25), 0)).toBe(2);
  });

  it('watches the event-loop delay the same way, and takes the more pressing signal', () => {
    const level = createSheddingLevel({ maxInFlight: 10, eventLoopDelayMs: 50, coolDownMs: 1000 });
    expect(level.observe(load(0, 49), 0)).toBe(0);
    expect(level.observe(load(0, 50), 1)).toBe(1);
    expect(level.observe(load(0, 100), 2)).toBe(2);
    const both = createSheddingLevel({ maxInFlight: 10, eventLoopDelayMs: 50, coolDownMs: 1000 });
    expect(both.observe(load(12, 10), 0)).toBe(1);
    const delayOnly = createSheddingLevel({ maxInFlight: 0, eventLoopDelayMs: 50, coolDownMs: 1000 });
    expect(delayOnly.observe(load(1_000_000, 0), 0)).toBe(0);
  });

  it('stays while the load is above 80% of the mark, however long', () => {
    const level = inFlightOnly();
    level.observe(load(10), 0);
    for (let t = 100; t <= 10_000; t += 100) expect(level.observe(load(8), t)).toBe(1);
  });

  it('steps down only after the load stayed under 80% of the mark for the cool-down', () => {
    const level = inFlightOnly();
    level.observe(load(10), 0);
    expect(level.observe(load(7), 100)).toBe(1);
    expect(level.observe(load(7), 1099)).toBe(1);
    expect(level.observe(load(7), 1100)).toBe(0);
  });

  it('does not flap: a load hovering around the mark keeps the level instead of switching it on and off', () => {
    const level = inFlightOnly();
    const levels: number[] = [];
    // 10, 9, 10, 9, … every 50 ms for 5 s: above the exit mark (8) all along.
    for (let t = 0; t < 5000; t += 50) levels.push(level.observe(load(t % 100 === 0 ? 10 : 9), t));
    expect(new Set(levels)).toEqual(new Set([1]));
  });

  it('restarts the cool-down when the load comes back above the exit mark', () => {
    const level = inFlightOnly();
    level.observe(load(10), 0);
    level.observe(load(2), 100);
    expect(level.observe(load(9), 900)).toBe(1);
    // Calm again from 1000: the cool-down counts from there, not from 100.
    expect(level.observe(load(2), 1000)).toBe(1);
    expect(level.observe(load(2), 1999)).toBe(1);
    expect(level.observe(load(2), 2000)).toBe(0);
  });

  it('steps down one level per cool-down, each waiting its own', () => {
    const level = inFlightOnly();
    level.observe(load(20), 0);
    expect(level.observe(load(0), 10)).toBe(2);
    expect(level.observe(load(0), 1010)).toBe(1);
    expect(level.observe(load(0), 2009)).toBe(1);
    expect(level.observe(load(0), 2010)).toBe(0);
  });

  it('steps from heavy to moderate and stays there while the load is moderate', () => {
    const level = inFlightOnly();
    level.observe(load(20), 0);
    // 12 in flight: under level 2's exit mark (16), above level 1's (8).
    expect(level.observe(load(12), 10)).toBe(2);
    expect(level.observe(load(12), 1010)).toBe(1);
    expect(level.observe(load(12), 60_000)).toBe(1);
  });

  it('is calm once the flood is over: nothing is shed after the cool-down', () => {
    const level = createSheddingLevel({ maxInFlight: 10, eventLoopDelayMs: 50, coolDownMs: 500 });
    for (let t = 0; t < 3000; t += 100) level.observe(load(30, 120), t);
    expect(level.level).toBe(2);
    let t = 3000;
    while (level.observe(load(0, 0), t) > 0 && t < 10_000) t += 100;
    expect(level.level).toBe(0);
    expect(t - 3000).toBeLessThanOrEqual(2 * 500 + 100);
  });
});
