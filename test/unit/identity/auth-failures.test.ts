import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AuthFailureGuard,
  type AuthFailureGuardOptions,
  createAuthFailureGuard,
} from '../../../src/identity/auth-failures.js';
import { MemoryStore } from '../../../src/limiter/memory-store.js';

const WINDOW_MS = 60_000;
const stores: MemoryStore[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/** Guards as separate processes see them: each with its own memory, sharing `store` if given. */
type Build = (options?: Partial<AuthFailureGuardOptions>) => AuthFailureGuard;
const sharedStore = () => {
  const store = new MemoryStore();
  stores.push(store);
  return store;
};

async function failMany(guard: AuthFailureGuard, address: string, count: number): Promise<number> {
  const admissions = await Promise.all(
    Array.from({ length: count }, (_, i) => guard.admit(address, `bad${String(i).padStart(7, '0')}`)),
  );
  for (const admission of admissions) admission.settle('failed');
  return admissions.filter((admission) => admission.allowed).length;
}

describe.each<[string, () => Build]>([
  [
    'counted in this process (memory mode)',
    () => (options) => createAuthFailureGuard({ maxFailures: 10, windowMs: WINDOW_MS, ...options }),
  ],
  [
    'counted in the shared store',
    () => {
      const store = sharedStore();
      return (options) => createAuthFailureGuard({ store, maxFailures: 10, windowMs: WINDOW_MS, ...options });
    },
  ],
])('the failed-key lockout, %s', (_, builder) => {
  it('lets exactly the limit of 1,000 concurrent bad keys from one address be checked', async () => {
    const guard = builder()();
    expect(await failMany(guard, '192.0.2.1', 1000)).toBe(10);
    const next = await guard.admit('192.0.2.1', 'another000');
    expect(next.allowed).toBe(false);
    expect(next.retryAfterMs).toBeGreaterThan(WINDOW_MS - 5000);
    expect(next.retryAfterMs).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('counts only failures: a key that passes or cannot be checked gives its slot back', async () => {
    const guard = builder()();
    for (let i = 0; i < 30; i++) {
      const admission = await guard.admit('192.0.2.2', 'goodkey000');
      expect(admission.allowed).toBe(true);
      admission.settle(i % 2 === 0 ? 'passed' : 'unchecked');
    }
    expect(await failMany(guard, '192.0.2.2', 20)).toBe(10);
  });

  it('past the limit still checks a key served from that address, and no other', async () => {
    const build = builder();
    const guard = build();
    const served = await guard.admit('192.0.2.3', 'goodkey000');
    served.settle('passed');
    await tick();
    expect(guard.knows('192.0.2.3', 'goodkey000')).toBe(true);
    expect(guard.knows('192.0.2.4', 'goodkey000')).toBe(false);
    expect(await failMany(guard, '192.0.2.3', 50)).toBe(10);

    expect((await guard.admit('192.0.2.3', 'goodkey000')).allowed).toBe(true);
    expect((await guard.admit('192.0.2.3', 'newkey0000')).allowed).toBe(false);
    // Another address is not affected by this one's failures.
    expect((await guard.admit('192.0.2.4', 'newkey0000')).allowed).toBe(true);
  });

  it('lets the address check keys again once its failures leave the window', async () => {
    vi.useFakeTimers();
    const guard = builder()();
    expect(await failMany(guard, '192.0.2.5', 10)).toBe(10);
    expect((await guard.admit('192.0.2.5', 'newkey0000')).allowed).toBe(false);
    vi.advanceTimersByTime(WINDOW_MS + 1);
    expect((await guard.admit('192.0.2.5', 'newkey0000')).allowed).toBe(true);
  });
});

describe('the failed-key lockout across processes', () => {
  it('is one count for every process, and a key served on one is let through on the other', async () => {
    const store = sharedStore();
    const [first, second] = [1, 2].map(() =>
      createAuthFailureGuard({ store, maxFailures: 10, windowMs: WINDOW_MS }),
    ) as [AuthFailureGuard, AuthFailureGuard];
    (await first.admit('192.0.2.6', 'goodkey000')).settle('passed');
    await tick();
    const [a, b] = await Promise.all([failMany(first, '192.0.2.6', 500), failMany(second, '192.0.2.6', 500)]);
    expect(a + b).toBe(10);
    expect(second.knows('192.0.2.6', 'goodkey000')).toBe(false);
    expect((await second.admit('192.0.2.6', 'goodkey000')).allowed).toBe(true);
    expect((await second.admit('192.0.2.6', 'newkey0000')).allowed).toBe(false);
  });
});

describe('the tables of the in-process lockout', () => {
  it('keep at most maxAddresses addresses, forgetting the least recently failed', async () => {
    const guard = createAuthFailureGuard({ maxFailures: 2, windowMs: WINDOW_MS, maxAddresses: 3 });
    expect(await failMany(guard, '198.51.100.1', 5)).toBe(2);
    expect((await guard.admit('198.51.100.1', 'newkey0000')).allowed).toBe(false);
    for (const address of ['198.51.100.2', '198.51.100.3', '198.51.100.4']) await failMany(guard, address, 1);
    // 198.51.100.1 was dropped to make room: its failures are forgotten.
    expect((await guard.admit('198.51.100.1', 'newkey0000')).allowed).toBe(true);
  });

  it('keep at most maxServedPairs (address, key) pairs', async () => {
    const guard = createAuthFailureGuard({ maxFailures: 2, windowMs: WINDOW_MS, maxServedPairs: 2 });
    for (const key of ['key0000001', 'key0000002', 'key0000003']) {
      (await guard.admit('198.51.100.9', key)).settle('passed');
    }
    expect(guard.knows('198.51.100.9', 'key0000001')).toBe(false);
    expect(guard.knows('198.51.100.9', 'key0000003')).toBe(true);
  });
});
