import { describe, expect, it } from 'vitest';
import { PriceBook } from '../../../src/client/price-book.js';

const page = (first: number) => ({
  document: 'Page\nquery Page($first: Int!) { books(first: $first) { id } }',
  variables: JSON.stringify({ first }),
});

describe('the prices a client remembers', () => {
  it('knows nothing of a document never answered', () => {
    expect(new PriceBook().priceOf(page(1))).toBeUndefined();
  });

  it('prices the same operation as last time, and new variables at the dearest the document has cost', () => {
    const prices = new PriceBook();
    prices.learn(page(4), 4);
    prices.learn(page(1), 1);
    expect(prices.priceOf(page(1))).toBe(1);
    expect(prices.priceOf(page(2))).toBe(4);
    expect(prices.priceOf({ document: 'Other\n{ x }', variables: '{}' })).toBeUndefined();
  });
});
