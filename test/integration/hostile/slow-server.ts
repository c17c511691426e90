import { serve } from '../../../src/index.js';

// A server as `npm start` runs one (the serve API: configuration from the environment, SIGTERM
// drains and exits), around a schema whose one field answers after `ms` milliseconds. Its price
// assumes `first` items and it returns one, so every answer leaves a refund pending after it.
const typeDefs = /* GraphQL */ `
  type Query {
    slowItems(first: Int!, ms: Int!): [Item!]! @listSize(slicingArguments: ["first"])
  }
  type Item {
    id: ID!
  }
`;

await serve({
  typeDefs,
  resolvers: {
    Query: {
      slowItems: (_: unknown, args: { ms: number }) =>
        new Promise((resolve) => setTimeout(() => resolve([{ id: '1' }]), args.ms)),
    },
  },
});
