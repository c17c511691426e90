import { createHash, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { type Catalogue, createCatalogue } from './catalogue.js';

/** The longest review body the demo keeps, in characters (with the per-book cap, a bound on memory). */
export const MAX_REVIEW_BODY_LENGTH = 1000;

// The demo's one account. A real API would keep salted hashes in a database.
const ACCOUNTS = new Map([['alice', sha256('wonderland')]]);

/** Resolvers of the demo bookstore, over a fresh in-memory catalogue. */
export function createBookstoreResolvers(catalogue: Catalogue = createCatalogue()): Resolvers {
  const bookById = (id: string) => catalogue.books.find((book) => book.id === id);
  return {
    Query: {
      data: () => ({ message: 'Hello from Tollgate!', servedAt: new Date().toISOString() }),
      books: (_, { first, offset }) => {
        nonNegative('first', first);
        nonNegative('offset', offset);
        return catalogue.books.slice(offset, offset + first);
      },
      book: (_, { id }) => bookById(id) ?? null,
      searchReviews: (_, { text, first, after }) => {
        nonNegative('first', first);
        const needle = text.toLowerCase();
        const matches = [...catalogue.reviewsByBook.values()]
          .flat()
          .filter((review) => review.body.toLowerCase().includes(needle));
        const start = after ? matches.findIndex((review) => review.id === after) + 1 : 0;
        const page = matches.slice(start, start + first);
        return {
          edges: page.map((node) => ({ cursor: node.id, node })),
          pageInfo: { hasNextPage: start + first < matches.length, endCursor: page.at(-1)?.id ?? null },
        };
      },
    },
    Mutation: {
      addReview: (_, { bookId, input }) => {
        if (!bookById(bookId)) throw badInput(`There is no book ${JSON.stringify(bookId)}.`);
        if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) {
          throw badInput('rating must be a whole number from 1 to 5.');
        }
        if (input.body.length > MAX_REVIEW_BODY_LENGTH) {
          throw badInput(`body must be at most ${MAX_REVIEW_BODY_LENGTH} characters.`);
        }
        return catalogue.addReview(bookId, input.rating, input.body);
      },
      login: (_, { username, password }) => {
        const expected = ACCOUNTS.get(username);
        const ok = expected !== undefined && timingSafeEqual(expected, sha256(password));
        return {
          ok,
          token: ok ? createHash('sha256').update(`${username}:${Date.now()}`).digest('hex') : null,
        };
      },
    },
    Book: {
      author: (book) => catalogue.authors.get(book.authorId) ?? { id: book.authorId, name: 'Unknown' },
      reviews: (book, { first }) => {
        nonNegative('first', first);
        return (catalogue.reviewsByBook.get(book.id) ?? []).slice(0, first);
      },
    },
    Author: {
      books: (author) => catalogue.booksByAuthor.get(author.id) ?? [],
    },
    Review: {
      book: (review) => bookById(review.bookId) as NonNullable<ReturnType<typeof bookById>>,
    },
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function nonNegative(name: string, value: number): void {
  if (value < 0) throw badInput(`${name} must not be negative.`);
}

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
