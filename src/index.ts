/**
 * Tollgate's public entry: everything an app needs to price and rate-limit its GraphQL API, and
 * nothing of the bookstore demo. Anything not exported here is internal and may change.
 */
export type { RateLimitStatus, TollgateContext } from './context.js';
