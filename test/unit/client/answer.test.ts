import { describe, expect, it } from 'vitest';
import { type Answer, observationOf, refusalOf } from '../../../src/client/answer.js';

const NOW = 1_000_000;
const headers = (fields: Record<string, string>) => new Headers(fields);

/** Tollgate's 429 body: nothing ran, the bucket as it stands. */
const throttledBody = {
  errors: [
    { message: 'Throttled', extensions: { code: 'RATE_LIMITED', cost: 30, available: 10, retryAfter: 1 } },
  ],
  extensions: {
    cost: {
      requestedQueryCost: 30,
      actualQueryCost: 0,
      throttleStatus: { maximumAvailable: 50, currentlyAvailable: 10, restoreRate: 10 },
    },
  },
};

describe('what an answer says', () => {
  it('a 429 is a refusal; the wait is the longest of Retry-After, retryAfter and the missing points', () => {
    const answer: Answer = {
      status: 429,
      results: [throttledBody],
      headers: headers({ 'retry-after': '1' }),
    };
    // 20 points missing at 10 a second: 2 s, more than Retry-After's 1.
    expect(refusalOf(answer, NOW)).toEqual({ kind: 'throttled', retryAfterMs: 2000 });
  });

  it('with the status hidden (Apollo Client, graphql-response+json), the error code tells', () => {
    const body = { ...throttledBody, extensions: {} };
    expect(refusalOf({ status: undefined, results: [body], headers: undefined }, NOW)).toEqual({
      kind: 'throttled',
      retryAfterMs: 1000,
    });
    const unavailable = {
      errors: [{ message: 'down', extensions: { code: 'RATE_LIMITER_UNAVAILABLE', retryAfter: 3 } }],
    };
    expect(refusalOf({ status: undefined, results: [unavailable], headers: undefined }, NOW)).toEqual({
      kind: 'unavailable',
      retryAfterMs: 3000,
    });
    const shed = {
      errors: [
        {
          message: 'overloaded',
          extensions: { code: 'SERVER_OVERLOADED', reason: 'LOAD_SHED', retryAfter: 2 },
        },
      ],
    };
    expect(refusalOf({ status: undefined, results: [shed], headers: undefined }, NOW)).toEqual({
      kind: 'unavailable',
      retryAfterMs: 2000,
    });
  });

  it("a field's RATE_LIMITED in a partial result is no refusal, status known or not", () => {
    const partial = {
      data: { data: null, books: [] },
      errors: [{ message: 'limited', path: ['data'], extensions: { code: 'RATE_LIMITED', retryAfter: 40 } }],
    };
    expect(refusalOf({ status: 200, results: [partial], headers: undefined }, NOW)).toBeUndefined();
    expect(refusalOf({ status: undefined, results: [partial], headers: undefined }, NOW)).toBeUndefined();
  });

  it('COST_ESTIMATED_TOO_EXPENSIVE and other errors are no refusal: they go to the app', () => {
    const tooExpensive = {
      errors: [{ message: 'dear', extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE' } }],
    };
    expect(refusalOf({ status: 400, results: [tooExpensive], headers: undefined }, NOW)).toBeUndefined();
    expect(
      refusalOf({ status: undefined, results: [tooExpensive], headers: undefined }, NOW),
    ).toBeUndefined();
  });

  it('reads the bucket from throttleStatus (the lowest of a batch), else from the RateLimit fields', () => {
    const low = { extensions: { cost: { ...throttledBody.extensions.cost, requestedQueryCost: 1 } } };
    const high = {
      extensions: {
        cost: {
          ...low.extensions.cost,
          throttleStatus: { ...low.extensions.cost.throttleStatus, currentlyAvailable: 40 },
        },
      },
    };
    expect(observationOf({ status: 200, results: [high, low], headers: undefined })).toEqual({
      availablePoints: 10,
      capacityPoints: 50,
      restorePerSec: 10,
    });
    const fields = headers({
      ratelimit: '"free";r=7;t=5',
      'ratelimit-policy': '"free";q=50;qu="points";w=5',
    });
    expect(observationOf({ status: 200, results: [{}], headers: fields })).toEqual({
      availablePoints: 7,
      capacityPoints: 50,
      restorePerSec: 10,
    });
    const requests = headers({
      ratelimit: '"free";r=7;t=5',
      'ratelimit-policy': '"free";q=50;qu="requests";w=5',
    });
    expect(observationOf({ status: 200, results: [{}], headers: requests })).toBeUndefined();
  });
});
