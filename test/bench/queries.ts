/** The query shapes the benchmark sends; every contender serves the same ones. */
export interface QueryShape {
  /** Short id used in the JSON. */
  id: string;
  /** How the report names it. */
  label: string;
  query: string;
}

/** A small root query and a nested list query of realistic cost (Tollgate prices it at 50). */
export const SHAPES: readonly QueryShape[] = [
  { id: 'small', label: 'small root query', query: '{ book(id: "book-1") { title } }' },
  {
    id: 'nested',
    label: 'nested list query',
    query: '{ books(first: 10) { title author { name } reviews(first: 3) { rating } } }',
  },
];

/** What the exactness tests send: the demo's classic rate-limited field. */
export const EXACTNESS_QUERY = '{ data { message } }';

/**
 * The demo's dearest query for the pricing timings: every list of the schema, nested, with
 * slicing arguments from variables, aliases and a fragment.
 */
export const EXPENSIVE_QUERY = `
query Expensive($first: Int!, $reviews: Int!) {
  books(first: $first) {
    ...BookParts
    author { name books { ...BookParts } }
  }
  newest: books(first: 5) { ...BookParts }
  searchReviews(text: "delight", first: $first) {
    edges { cursor node { rating body book { ...BookParts author { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}
fragment BookParts on Book {
  id title publishedYear
  reviews(first: $reviews) { id rating body book { id title } }
}`;

/** Variables of {@link EXPENSIVE_QUERY}. */
export const EXPENSIVE_VARIABLES = { first: 50, reviews: 5 };
