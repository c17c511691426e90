import { describe, expect, it } from 'vitest';
import { createCatalogue, MAX_REVIEWS_PER_BOOK } from '../../../src/demo/catalogue.js';
import { createBookstoreResolvers, MAX_REVIEW_BODY_LENGTH } from '../../../src/demo/resolvers.js';

describe("the demo's reviews stay bounded however many are written", () => {
  it('a book keeps its newest reviews only', () => {
    const catalogue = createCatalogue();
    const written = Array.from({ length: 2000 }, (_, i) => catalogue.addReview('book-1', 5, `review ${i}`));
    const kept = catalogue.reviewsByBook.get('book-1') ?? [];
    expect(kept).toHaveLength(MAX_REVIEWS_PER_BOOK);
    expect(kept[0]).toBe(written.at(-1));
    expect(kept.at(-1)).toBe(written.at(-MAX_REVIEWS_PER_BOOK));
  });

  it('refuses a body over the limit with BAD_USER_INPUT, and keeps nothing of it', () => {
    const catalogue = createCatalogue();
    const addReview = createBookstoreResolvers(catalogue).Mutation?.addReview as unknown as (
      parent: unknown,
      args: { bookId: string; input: { rating: number; body: string } },
    ) => unknown;
    const before = catalogue.reviewsByBook.get('book-2')?.length;
    expect(() =>
      addReview({}, { bookId: 'book-2', input: { rating: 4, body: 'x'.repeat(MAX_REVIEW_BODY_LENGTH + 1) } }),
    ).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
    expect(catalogue.reviewsByBook.get('book-2')?.length).toBe(before);
    expect(
      addReview({}, { bookId: 'book-2', input: { rating: 4, body: 'x'.repeat(MAX_REVIEW_BODY_LENGTH) } }),
    ).toMatchObject({ rating: 4 });
  });
});
