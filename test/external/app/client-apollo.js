import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { createTollgateLink } from 'tollgate/client/apollo';

let spent = 0;
const tollgate = createTollgateLink({
  apiKey: process.env.TOLLGATE_API_KEY,
  onCost: (cost) => {
    spent += cost.actualQueryCost;
  },
});
const client = new ApolloClient({
  link: ApolloLink.from([tollgate, new HttpLink({ uri: process.env.TOLLGATE_URL })]),
  cache: new InMemoryCache(),
});

const PAGE = gql`
  query Page($first: Int!, $offset: Int!) {
    books(first: $first, offset: $offset) { id title }
  }
`;
// 200 pages of 4 to 1 books, asked for all at once: the link sends each when the bucket can pay for it.
const pages = await Promise.all(
  Array.from({ length: 200 }, (_, i) =>
    client.query({ query: PAGE, variables: { first: 4 - (i % 4), offset: i } }),
  ),
);
console.log(JSON.stringify({ pages: pages.length, spent, ...tollgate.stats }));
