import { mkdtempSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { GraphQLRequestContext, GraphQLRequestListener } from '@apollo/server';
import { loadConfig } from '../../../src/config/index.js';
import { createLogger } from '../../../src/logger.js';
import { createLoadShedder } from '../../../src/shed/load-shedder.js';
import { createTollgate } from '../../../src/tollgate.js';
import { median } from '../stats.js';

/** What load shedding adds to one operation, on and off. */
export interface SheddingCostResult {
  /** Mean ns of the admission check of a request that is let through (level 0, the usual case). */
  admitNs: number;
  /** Mean ns of the in-flight count's hooks for one operation (start, source, response). */
  countNs: number;
  /** Mean ns to refuse a shed request (the coded 503 and its event), instead of running it. */
  shedNs: number;
  /** Median µs of `tollgate.context()` (identity, then the check) with shedding off… */
  contextOffUs: number;
  /** …and on, at level 0: the difference is what shedding costs a request end to end. */
  contextOnUs: number;
  iterations: number;
}

const client = { id: 'ip:203.0.113.9', tier: 'anonymous' } as const;

/** Mean ns per call of a synchronous `run` over `iterations`, after as many calls to warm it. */
function meanNs(iterations: number, run: () => unknown): number {
  for (let i = 0; i < iterations; i++) run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - started) / iterations;
}

/** Mean ns per call of an asynchronous `run`, likewise. */
async function meanAsyncNs(iterations: number, run: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < iterations; i++) await run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run();
  return Number(process.hrtime.bigint() - started) / iterations;
}

/** Median µs of `tollgate.context()` for an anonymous request, shedding `on` or off. */
async function contextUs(on: boolean, iterations: number): Promise<number> {
  const tollgate = await createTollgate({
    typeDefs: 'type Query { ok: Int }',
    resolvers: {},
    config: loadConfig({
      TOLLGATE_KEYS_FILE: join(mkdtempSync(join(tmpdir(), 'tollgate-bench-')), 'keys.json'),
      TOLLGATE_SHED: String(on),
    }),
    logger: createLogger({ destination: new PassThrough() }),
  });
  const request = { headers: {}, socket: { remoteAddress: '203.0.113.9' } } as unknown as IncomingMessage;
  try {
    for (let i = 0; i < iterations; i++) await tollgate.context(request);
    const times: number[] = [];
    // Batches of 100: one call is below the timer's useful resolution.
    for (let batch = 0; batch < Math.max(5, iterations / 100); batch++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 100; i++) await tollgate.context(request);
      times.push(Number(process.hrtime.bigint() - started) / 1000 / 100);
    }
    return median(times);
  } finally {
    await tollgate.close();
  }
}

/**
 * Times load shedding's work on the request path, in process: the admission check every request
 * gets, the in-flight count every operation gets, and refusing a shed request. Off, none of it
 * exists (no shedder, no plugin, no timer): `contextOffUs` against `contextOnUs` shows the whole.
 */
export async function measureSheddingCost(iterations: number): Promise<SheddingCostResult> {
  const admitting = createLoadShedder({
    thresholds: { maxInFlight: 1_000_000, eventLoopDelayMs: 50, coolDownMs: 2000 },
    sampleIntervalMs: 0,
  });
  const shedding = createLoadShedder({
    thresholds: { maxInFlight: 1, eventLoopDelayMs: 0, coolDownMs: 2000 },
    sampleIntervalMs: 0,
  });
  const context = {} as GraphQLRequestContext<object>;
  const operation = async () => {
    const listener = (await admitting.plugin.requestDidStart?.(context)) as GraphQLRequestListener<object>;
    await listener.didResolveSource?.(context as never);
    await listener.willSendResponse?.(context as never);
  };
  // One operation held in flight keeps `shedding` at level 1.
  const held = (await shedding.plugin.requestDidStart?.(context)) as GraphQLRequestListener<object>;
  await held.didResolveSource?.(context as never);
  try {
    const admitNs = meanNs(iterations * 10, () => admitting.refusal(client));
    const countNs = await meanAsyncNs(iterations * 10, operation);
    const shedNs = meanNs(iterations, () => shedding.refusal(client));
    const contextOffUs = await contextUs(false, iterations);
    const contextOnUs = await contextUs(true, iterations);
    return { admitNs, countNs, shedNs, contextOffUs, contextOnUs, iterations };
  } finally {
    admitting.close();
    shedding.close();
  }
}
