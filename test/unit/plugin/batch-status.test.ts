import { HeaderMap, type HTTPGraphQLHead } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import type { TierConfig } from '../../../src/config/index.js';
import { joinBatch, leaveBatch, type ThrottledInBatch } from '../../../src/plugin/batch-status.js';

const tier: TierConfig = { capacity: 100, refillPerSec: 1, maxCost: 100 };

/** An operation the bucket refused: its price, and the store's wait before it fits. */
const refused = (cost: number, retryAfterMs: number): ThrottledInBatch => ({
  price: { estimatedCost: cost, tierName: 'free', tier },
  bucket: { remainingMilli: 0 },
  retryAfterSec: Math.ceil(retryAfterMs / 1000),
  retryAfterMs,
});

describe('an all-throttled batch', () => {
  it('waits until the bucket holds the whole batch, counting a bucket in debt', () => {
    const head: HTTPGraphQLHead = { status: undefined, headers: new HeaderMap() };
    joinBatch(head);
    joinBatch(head);
    // 10 points of debt at 1 point/s: each 5-point operation fits in 15 s, both together in 20 s.
    leaveBatch(head, refused(5, 15_000));
    leaveBatch(head, refused(5, 15_000));
    expect(head.status).toBe(429);
    expect(head.headers.get('retry-after')).toBe('20');
    expect(head.headers.get('ratelimit')).toMatch(/;t=20$/);
  });

  it('stays as Apollo answers it when one operation was not throttled', () => {
    const head: HTTPGraphQLHead = { status: undefined, headers: new HeaderMap() };
    joinBatch(head);
    joinBatch(head);
    leaveBatch(head, refused(5, 15_000));
    leaveBatch(head, undefined);
    expect(head.status).toBeUndefined();
    expect(head.headers.has('retry-after')).toBe(false);
  });
});
