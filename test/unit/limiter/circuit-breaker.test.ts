import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../../src/limiter/circuit-breaker.js';

describe('CircuitBreaker', () => {
  let changes: Array<[CircuitState, CircuitState]>;
  let breaker: CircuitBreaker;
  beforeEach(() => {
    vi.useFakeTimers();
    changes = [];
    breaker = new CircuitBreaker({
      failureThreshold: 3,
      cooldownMs: 1000,
      onStateChange: (state, previous) => changes.push([state, previous]),
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const fail = (times: number) => {
    for (let i = 0; i < times; i++) {
      expect(breaker.tryAcquire()).toBe(true);
      breaker.failure();
    }
  };

  it('lets every call through while closed, and a success resets the count of failures', () => {
    fail(2);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    fail(2);
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([]);
  });

  it('opens after N consecutive failures and then refuses every call until the cooldown', () => {
    fail(3);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([['open', 'closed']]);
    for (let i = 0; i < 100; i++) expect(breaker.tryAcquire()).toBe(false);
    vi.advanceTimersByTime(999);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('lets exactly one probe through once the cooldown has passed', () => {
    fail(3);
    vi.advanceTimersByTime(1000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('closes when the probe succeeds', () => {
    fail(3);
    vi.advanceTimersByTime(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(changes).toEqual([
      ['open', 'closed'],
      ['half-open', 'open'],
      ['closed', 'half-open'],
    ]);
  });

  it('reopens for another full cooldown when the probe fails, after a single failure', () => {
    fail(3);
    vi.advanceTimersByTime(1500);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(999);
    expect(breaker.tryAcquire()).toBe(false);
    vi.advanceTimersByTime(1);
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('needs N fresh failures to open again once closed', () => {
    fail(3);
    vi.advanceTimersByTime(1000);
    breaker.tryAcquire();
    breaker.success();
    fail(2);
    expect(breaker.state).toBe('closed');
    fail(1);
    expect(breaker.state).toBe('open');
  });

  it('refuses options that would never open or never probe', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ cooldownMs: -1 })).toThrow(/cooldownMs/);
  });
});
