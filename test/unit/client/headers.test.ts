import { describe, expect, it } from 'vitest';
import { parseRateLimit, parseRateLimitPolicy, parseRetryAfterMs } from '../../../src/client/headers.js';

describe('RateLimit header parsing', () => {
  it("reads Tollgate's RateLimit field", () => {
    expect(parseRateLimit('"anonymous";r=431;t=3')).toEqual([
      { policy: 'anonymous', remaining: 431, resetSec: 3 },
    ]);
  });

  it('reads every member of a list, tokens and strings alike, with whitespace and unknown parameters', () => {
    expect(parseRateLimit('"free";r=0;t=20 , burst;r=5;x="a;b,c";t=1')).toEqual([
      { policy: 'free', remaining: 0, resetSec: 20 },
      { policy: 'burst', remaining: 5, resetSec: 1 },
    ]);
  });

  it('keeps a member without t, skips one without a numeric r', () => {
    expect(parseRateLimit('"a";r=7, "b";t=2, "c";r="9"')).toEqual([
      { policy: 'a', remaining: 7, resetSec: undefined },
    ]);
  });

  it('yields nothing for a header that is absent or not a Structured Field list', () => {
    expect(parseRateLimit(null)).toEqual([]);
    expect(parseRateLimit('')).toEqual([]);
    expect(parseRateLimit('remaining=5')).toEqual([]);
    expect(parseRateLimit('"unterminated;r=5')).toEqual([]);
    expect(parseRateLimit('"a";R=5')).toEqual([]);
  });

  it('reads RateLimit-Policy: quota, window and quota unit', () => {
    expect(parseRateLimitPolicy('"anonymous";q=500;w=20')).toEqual([
      { policy: 'anonymous', quota: 500, windowSec: 20, quotaUnit: undefined },
    ]);
    expect(parseRateLimitPolicy('"free";q=1000;qu="points";w=20')).toEqual([
      { policy: 'free', quota: 1000, windowSec: 20, quotaUnit: 'points' },
    ]);
    expect(parseRateLimitPolicy('"x";w=20')).toEqual([]);
  });

  it('keeps a member whose extra parameter it cannot read (a partition key, a long decimal)', () => {
    expect(parseRateLimit('"free";r=9;t=2;pk=:cHJvamVjdDEyMw==:;z=0.12345')).toEqual([
      { policy: 'free', remaining: 9, resetSec: 2 },
    ]);
  });
});

describe('Retry-After parsing', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });

  it('is undefined when absent or unreadable (a duration string is not a Retry-After)', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('5s', now)).toBeUndefined();
    expect(parseRetryAfterMs('-1', now)).toBeUndefined();
  });
});
