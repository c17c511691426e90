import { parse } from 'graphql';
import { createCostModel, estimateCost } from '../../../src/cost/index.js';
import { EXPENSIVE_QUERY, EXPENSIVE_VARIABLES } from '../queries.js';
import { plainBookstoreSchema } from '../servers/bookstore-sdl.js';
import { median } from '../stats.js';

/** Time to price the demo's dearest query: a fresh document each time, and the same one again. */
export interface PricingResult {
  /** The query's estimated cost. */
  cost: number;
  /** Median microseconds to price a freshly parsed document (parsing not included). */
  coldUs: number;
  /** Mean microseconds to price the same document with the same variables again. */
  repeatedUs: number;
  iterations: number;
}

const request = { variables: EXPENSIVE_VARIABLES, operationName: 'Expensive' };

/** Prices {@link EXPENSIVE_QUERY} with Tollgate's cost model, as the plugin does on every request. */
export function measurePricing(iterations: number): PricingResult {
  const model = createCostModel(plainBookstoreSchema(), { defaultListSize: 10 });
  // Warm the JIT on the pricing code itself before timing either case.
  for (let i = 0; i < Math.min(200, iterations); i++) estimateCost(model, parse(EXPENSIVE_QUERY), request);

  const cold: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const document = parse(EXPENSIVE_QUERY);
    const started = process.hrtime.bigint();
    estimateCost(model, document, request);
    cold.push(Number(process.hrtime.bigint() - started) / 1000);
  }

  const document = parse(EXPENSIVE_QUERY);
  const { cost } = estimateCost(model, document, request);
  const repeats = iterations * 10;
  const started = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) estimateCost(model, document, request);
  const repeatedUs = Number(process.hrtime.bigint() - started) / 1000 / repeats;

  return { cost, coldUs: median(cold), repeatedUs, iterations };
}
