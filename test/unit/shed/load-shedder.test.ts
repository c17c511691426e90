import type { GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import type { TierName } from '../../../src/config/index.js';
import type { OperationEvent, SheddingChangedEvent } from '../../../src/observe/events.js';
import { createLoadShedder } from '../../../src/shed/load-shedder.js';

/** A load shedder on a fake clock and a fake event-loop sampler, sampled only when the test says. */
function shedderWith(thresholds: { maxInFlight: number; eventLoopDelayMs: number; coolDownMs: number }) {
  const clock = { ms: 0 };
  const sampler = { delayMs: 0, stopped: false };
  const operations: OperationEvent[] = [];
  const changes: SheddingChangedEvent[] = [];
  const shedder = createLoadShedder({
    thresholds,
    now: () => clock.ms,
    sampleIntervalMs: 0,
    sampler: {
      takeMeanMs: () => sampler.delayMs,
      stop: () => {
        sampler.stopped = true;
      },
    },
    events: {
      operation: (event) => operations.push(event),
      sheddingChanged: (event) => changes.push(event),
    },
  });
  /** Starts an operation as Apollo would; resolves with the function that ends it. */
  const start = async () => {
    const context = {} as GraphQLRequestContext<object>;
    const listener = (await shedder.plugin.requestDidStart?.(context)) as GraphQLRequestListener<object>;
    await listener.executionDidStart?.(context as never);
    return () => listener.willSendResponse?.(context as never);
  };
  const ask = (tier: TierName) => shedder.refusal({ id: `ip:${tier}`, tier });
  return { shedder, clock, sampler, operations, changes, start, ask };
}

describe('createLoadShedder', () => {
  it('counts operations in flight and sheds by tier as they pile up, before anything is parsed', async () => {
    const { start, ask, operations } = shedderWith({ maxInFlight: 2, eventLoopDelayMs: 0, coolDownMs: 1000 });
    const ends = [await start()];
    expect(ask('anonymous')).toBeUndefined();
    ends.push(await start());
    const refused = ask('anonymous');
    expect(refused?.extensions).toMatchObject({
      code: 'SERVER_OVERLOADED',
      reason: 'LOAD_SHED',
      tier: 'anonymous',
      retryAfter: 1,
      http: { status: 503, headers: new Map([['Retry-After', '1']]) },
    });
    expect(ask('free')).toBeUndefined();
    ends.push(await start(), await start());
    expect(ask('free')?.extensions.code).toBe('SERVER_OVERLOADED');
    expect(ask('pro')).toBeUndefined();
    expect(operations).toEqual([
      {
        outcome: 'shed',
        tier: 'anonymous',
        client: 'ip:anonymous',
        estimatedCost: 0,
        actualCost: 0,
        retryAfterSec: 1,
      },
      expect.objectContaining({ outcome: 'shed', tier: 'free' }),
    ]);
    for (const end of ends) await end();
  });

  it('never sheds the top tier, however saturated', async () => {
    const { start, ask, sampler, shedder } = shedderWith({
      maxInFlight: 1,
      eventLoopDelayMs: 10,
      coolDownMs: 1000,
    });
    for (let i = 0; i < 50; i++) await start();
    sampler.delayMs = 10_000;
    shedder.sample();
    expect(shedder.level).toBe(2);
    expect(ask('pro')).toBeUndefined();
  });

  it('sheds on event-loop delay, sampled, and lets everyone in again a cool-down after it eased', () => {
    const { shedder, clock, sampler, ask, changes } = shedderWith({
      maxInFlight: 0,
      eventLoopDelayMs: 50,
      coolDownMs: 2000,
    });
    sampler.delayMs = 60;
    shedder.sample();
    expect(ask('anonymous')?.extensions).toMatchObject({ code: 'SERVER_OVERLOADED', retryAfter: 2 });
    expect(ask('free')).toBeUndefined();
    sampler.delayMs = 120;
    clock.ms = 500;
    shedder.sample();
    expect(ask('free')?.extensions.code).toBe('SERVER_OVERLOADED');

    sampler.delayMs = 1;
    for (clock.ms = 1000; clock.ms <= 5000; clock.ms += 500) shedder.sample();
    expect(ask('anonymous')).toBeUndefined();
    expect(
      changes.map(({ previousLevel, level, shedTiers }) => ({ previousLevel, level, shedTiers })),
    ).toEqual([
      { previousLevel: 0, level: 1, shedTiers: ['anonymous'] },
      { previousLevel: 1, level: 2, shedTiers: ['anonymous', 'free'] },
      { previousLevel: 2, level: 1, shedTiers: ['anonymous'] },
      { previousLevel: 1, level: 0, shedTiers: [] },
    ]);
  });

  it('stops counting an operation at its response, once, and not one that never started executing', async () => {
    const { shedder, start, ask, clock } = shedderWith({
      maxInFlight: 1,
      eventLoopDelayMs: 0,
      coolDownMs: 0,
    });
    const end = await start();
    expect(ask('anonymous')).toBeDefined();
    await end();
    await end();
    // A request refused before execution (bad query, or shed): its response must not uncount another's.
    const listener = (await shedder.plugin.requestDidStart?.({} as never)) as GraphQLRequestListener<object>;
    await listener.willSendResponse?.({} as never);
    clock.ms = 1;
    expect(ask('anonymous')).toBeUndefined();
    const again = await start();
    expect(ask('anonymous')).toBeDefined();
    await again();
  });

  it('does not count an operation until it executes: one waiting its turn (maxWaitMs) costs the process nothing', async () => {
    const { shedder, ask } = shedderWith({ maxInFlight: 1, eventLoopDelayMs: 0, coolDownMs: 0 });
    const context = {} as never;
    const listener = (await shedder.plugin.requestDidStart?.(context)) as GraphQLRequestListener<object>;
    await listener.didResolveSource?.(context);
    await listener.didResolveOperation?.(context);
    expect(ask('anonymous')).toBeUndefined();
    await listener.executionDidStart?.(context);
    expect(ask('anonymous')).toBeDefined();
    await listener.willSendResponse?.(context);
  });

  it('stops its event-loop monitor when closed', () => {
    const { shedder, sampler } = shedderWith({ maxInFlight: 1, eventLoopDelayMs: 0, coolDownMs: 0 });
    shedder.close();
    expect(sampler.stopped).toBe(true);
  });
});
