import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../src/limiter/redis-store.js';
import type { ChargeRequest } from '../../../src/limiter/store.js';
import { median } from '../stats.js';

/** What one traffic-shaping feature costs the store per operation, on or off. */
export interface ShapingResult {
  variant: string;
  /** Median microseconds of the charge, the call an operation waits for before it runs. */
  chargeUs: number;
  /** Median microseconds of the release after the response (off the operation's path); 0 when none. */
  releaseUs: number;
  /** Redis calls per operation: the charge, and the release when there is one. */
  callsPerOperation: number;
  /** Share of charges admitted with a wait (the variant in debt). */
  waitedShare: number;
  iterations: number;
}

const LEASE_MS = 60_000;

interface Variant {
  name: string;
  request: (client: string) => ChargeRequest;
  /** Whether each charge's slot is released, as the plugin does after the response. */
  release: boolean;
}

const base = (client: string): ChargeRequest => ({
  client,
  bucket: { capacityMilli: 1_000_000_000, refillMilliPerSec: 1_000_000 },
  costMilli: 1000,
  windows: [],
});

const VARIANTS: Variant[] = [
  { name: 'both off (maxWaitMs 0, no maxConcurrent)', request: base, release: false },
  {
    name: 'maxWaitMs on, bucket not in debt (no wait)',
    request: (client) => ({ ...base(client), maxWaitMs: 2000 }),
    release: false,
  },
  {
    name: 'maxWaitMs on, bucket in debt (admitted with a wait)',
    // 1 point of capacity, 1,000 refilled per second: charged faster than that, always in debt.
    request: (client) => ({
      ...base(client),
      bucket: { capacityMilli: 1000, refillMilliPerSec: 1_000_000 },
      maxWaitMs: 60_000,
    }),
    release: false,
  },
  {
    name: 'maxConcurrent on (slot taken, released after)',
    request: (client) => ({ ...base(client), concurrency: { max: 1_000_000, leaseMs: LEASE_MS } }),
    release: true,
  },
];

/**
 * The store's side of waiting and concurrency limits: each variant charges one client `iterations`
 * times in a row through the Redis script, as the plugin would, and releases the slot when it took
 * one. The wait itself is the feature (the operation is held until refill pays for it), so only
 * the work of deciding is timed.
 */
export async function measureShaping(redisUrl: string, iterations: number): Promise<ShapingResult[]> {
  const store = new RedisStore(new Redis(redisUrl));
  try {
    const runs = VARIANTS.map((variant) => ({
      variant,
      request: variant.request(`bench:shaping:${randomUUID()}`),
      charges: [] as number[],
      releases: [] as number[],
      waited: 0,
    }));
    // Warm the script cache, the connection and the JIT before timing.
    for (let i = 0; i < Math.min(200, iterations); i++) {
      for (const run of runs) await chargeAndRelease(store, run.variant, run.request);
    }
    // Round-robin, so that the machine's ups and downs fall on every variant alike.
    for (let i = 0; i < iterations; i++) {
      for (const run of runs) {
        const timing = await chargeAndRelease(store, run.variant, run.request);
        run.charges.push(timing.chargeUs);
        if (run.variant.release) run.releases.push(timing.releaseUs);
        if (timing.waited) run.waited += 1;
      }
    }
    return runs.map((run) => ({
      variant: run.variant.name,
      chargeUs: median(run.charges),
      releaseUs: run.releases.length > 0 ? median(run.releases) : 0,
      callsPerOperation: run.variant.release ? 2 : 1,
      waitedShare: run.waited / iterations,
      iterations,
    }));
  } finally {
    await store.close();
  }
}

async function chargeAndRelease(
  store: RedisStore,
  variant: Variant,
  request: ChargeRequest,
): Promise<{ chargeUs: number; releaseUs: number; waited: boolean }> {
  const started = process.hrtime.bigint();
  const charged = await store.charge(request);
  const chargeUs = Number(process.hrtime.bigint() - started) / 1000;
  if (!variant.release) return { chargeUs, releaseUs: 0, waited: charged.waitMs > 0 };
  const releasing = process.hrtime.bigint();
  await store.refund({
    client: request.client,
    bucket: request.bucket,
    refundMilli: 0,
    reservation: charged.reservation,
    windows: [],
    slot: true,
  });
  return {
    chargeUs,
    releaseUs: Number(process.hrtime.bigint() - releasing) / 1000,
    waited: charged.waitMs > 0,
  };
}
