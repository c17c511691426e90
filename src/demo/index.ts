import { createBookstoreResolvers } from './resolvers.js';

/**
 * The bookstore demo: what `npm start` serves, and the first user of Tollgate's public entry. Its
 * SDL is schema/bookstore/ (without Tollgate's directives, which the server adds); its resolvers
 * run over an in-memory catalogue.
 */
export const bookstore = {
  typeDefs: new URL('../../schema/bookstore/', import.meta.url),
  createResolvers: createBookstoreResolvers,
};
