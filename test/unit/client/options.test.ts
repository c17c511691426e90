import { describe, expect, it } from 'vitest';
import { createTollgateLink } from '../../../src/client/apollo.js';
import { createTollgateFetch } from '../../../src/client/fetch.js';
import { createTollgateClient } from '../../../src/client/tollgate-client.js';
import { tollgateExchange } from '../../../src/client/urql.js';

const makers = {
  'the fetch wrapper': (options: object) => createTollgateFetch(options as never),
  'the Apollo link': (options: object) => createTollgateLink(options as never),
  'the urql exchange': (options: object) => tollgateExchange(options as never),
  'the pacing client': (options: object) =>
    createTollgateClient({ url: 'http://localhost/graphql', ...options }),
};

describe.each(Object.entries(makers))('%s, given a bad option', (_, make) => {
  it('fails where it is made, naming the option', () => {
    expect(() => make({ maxRetries: -1 })).toThrow(/maxRetries must be a whole number ≥ 0, got -1/);
    expect(() => make({ maxRetries: 1.5 })).toThrow(RangeError);
    expect(() => make({ jitterMs: Number.NaN })).toThrow(/jitterMs must be a number of ms ≥ 0, got NaN/);
    expect(() => make({ maxRetryWaitMs: -5 })).toThrow(/maxRetryWaitMs/);
    expect(() => make({ pace: 'yes' })).toThrow(TypeError);
    expect(() => make({ apiKey: 42 })).toThrow(/apiKey must be a string, got number/);
  });

  it('takes the defaults and good values', () => {
    expect(() => make({})).not.toThrow();
    expect(() =>
      make({ apiKey: 'tg_x', maxRetries: 0, jitterMs: 0, maxRetryWaitMs: 1000, pace: false }),
    ).not.toThrow();
  });
});
