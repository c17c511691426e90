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
