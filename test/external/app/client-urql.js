import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { tollgateExchange } from 'tollgate/client/urql';

const tollgate = tollgateExchange({ apiKey: process.env.TOLLGATE_API_KEY });
const client = new Client({
  url: process.env.TOLLGATE_URL,
  exchanges: [cacheExchange, tollgate, fetchExchange],
});

const PAGE = gql`
  query Page($first: Int!, $offset: Int!) {
    books(first: $first, offset: $offset) { id title }
  }
`;
// 200 pages of 4 to 1 books, asked for all at once: the exchange sends each when the bucket can pay for it.
const pages = await Promise.all(
  Array.from({ length: 200 }, (_, i) => client.query(PAGE, { first: 4 - (i % 4), offset: i }).toPromise()),
);
const spent = pages.reduce((sum, page) => sum + page.extensions.cost.actualQueryCost, 0);
const errors = pages.filter((page) => page.error).length;
console.log(JSON.stringify({ pages: pages.length, errors, spent, ...tollgate.stats }));
