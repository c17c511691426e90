import { GraphQLClient, gql } from 'graphql-request';
import { createTollgateFetch } from 'tollgate/client/fetch';

let spent = 0;
const tollgateFetch = createTollgateFetch({
  apiKey: process.env.TOLLGATE_API_KEY,
  onCost: (cost) => {
    spent += cost.actualQueryCost;
  },
});
// errorPolicy 'all': a field refused by its @rateLimit window comes back null with its error in
// `errors`, and the rest of the data is kept (rawRequest shows data, errors and extensions).
const client = new GraphQLClient(process.env.TOLLGATE_URL, { fetch: tollgateFetch, errorPolicy: 'all' });

const PAGE = gql`
  query Page($first: Int!, $offset: Int!) {
    books(first: $first, offset: $offset) { id title }
  }
`;
// 200 pages of 4 to 1 books, asked for all at once: the fetch sends each when the bucket can pay for it.
const pages = await Promise.all(
  Array.from({ length: 200 }, (_, i) => client.rawRequest(PAGE, { first: 4 - (i % 4), offset: i })),
);
const errors = pages.filter((page) => page.errors).length;
console.log(JSON.stringify({ pages: pages.length, errors, spent, ...tollgateFetch.stats }));
