/** A book as the catalogue stores it; resolvers turn ids into objects. */
export interface BookRecord {
  id: string;
  title: string;
  publishedYear: number;
  authorId: string;
}

/** An author as the catalogue stores it. */
export interface AuthorRecord {
  id: string;
  name: string;
}

/** A review as the catalogue stores it. */
export interface ReviewRecord {
  id: string;
  bookId: string;
  rating: number;
  body: string;
}

/** The demo's in-memory catalogue: deterministic, so tests can count on its contents. */
export interface Catalogue {
  books: BookRecord[];
  authors: Map<string, AuthorRecord>;
  booksByAuthor: Map<string, BookRecord[]>;
  reviewsByBook: Map<string, ReviewRecord[]>;
  addReview(bookId: string, rating: number, body: string): ReviewRecord;
}

/** The newest reviews a book keeps: the demo's memory stays bounded however many are written. */
export const MAX_REVIEWS_PER_BOOK = 20;

const ADJECTIVES = ['Silent', 'Crimson', 'Hidden', 'Last', 'Golden', 'Broken', 'Endless', 'Distant'];
const NOUNS = ['River', 'Garden', 'Archive', 'Harbour', 'Orchard', 'Signal', 'Winter', 'Library'];

/**
 * Builds the catalogue: 100 authors with 5 books each (500 books, newest first), and book
 * `n` has `n % 9` reviews, so lists come both shorter and longer than a page.
 */
export function createCatalogue(): Catalogue {
  const authors = new Map<string, AuthorRecord>();
  const booksByAuthor = new Map<string, BookRecord[]>();
  const reviewsByBook = new Map<string, ReviewRecord[]>();
  const books: BookRecord[] = [];
  let reviewCount = 0;
  for (let a = 1; a <= 100; a++) {
    const author = { id: `author-${a}`, name: `Author ${a}` };
    authors.set(author.id, author);
    booksByAuthor.set(author.id, []);
  }
  for (let n = 500; n >= 1; n--) {
    const authorId = `author-${((n - 1) % 100) + 1}`;
    const book = {
      id: `book-${n}`,
      title: `The ${ADJECTIVES[n % ADJECTIVES.length]} ${NOUNS[(n * 7) % NOUNS.length]} ${n}`,
      publishedYear: 1950 + (n % 75),
      authorId,
    };
    books.push(book);
    booksByAuthor.get(authorId)?.push(book);
    reviewsByBook.set(
      book.id,
      Array.from({ length: n % 9 }, (_, i) => ({
        id: `review-${++reviewCount}`,
        bookId: book.id,
        rating: ((n + i) % 5) + 1,
        body: `Review ${i + 1} of ${book.title}: ${i % 2 ? 'a slow start, then gripping' : 'a quiet delight'}.`,
      })),
    );
  }
  return {
    books,
    authors,
    booksByAuthor,
    reviewsByBook,
    addReview(bookId, rating, body) {
      const review = { id: `review-${++reviewCount}`, bookId, rating, body };
      const reviews = reviewsByBook.get(bookId);
      if (reviews) {
        reviews.unshift(review);
        // Newest first: the oldest beyond the cap are dropped.
        if (reviews.length > MAX_REVIEWS_PER_BOOK) reviews.length = MAX_REVIEWS_PER_BOOK;
      }
      return review;
    },
  };
}
