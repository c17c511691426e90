import type { GraphQLError } from 'graphql';
import type { RateLimitRule } from './directives/rate-limit.js';
import type { ClientIdentity } from './identity/client-identity.js';

/**
 * Admits or refuses one invocation of a `@rateLimit` field. `true` when a grant is in hand;
 * the RATE_LIMITED error when the window is full; a promise only when the invocation was not
 * planned and the store must be asked.
 */
export interface FieldAdmission {
  admit(
    rule: RateLimitRule,
    args: Record<string, unknown>,
  ): true | GraphQLError | Promise<true | GraphQLError>;
  /**
   * Gives back a grant `admit` took for an invocation that another rule of the same field refused:
   * a refused call must not count against the field's other windows.
   */
  release(rule: RateLimitRule, args: Readonly<Record<string, unknown>>): void;
}

/** The caller's bucket as this operation left it, for the `rateLimit` query field. */
export interface RateLimitStatus {
  cost: number;
  limit: number;
  remaining: number;
  used: number;
  /** ISO 8601 time at which the bucket will be full again. */
  resetAt: string;
}

/**
 * The connection a request came on, as the plugin watches it while an operation waits its turn
 * (`maxWaitMs`): `close` means the client has gone. A `net.Socket` (`request.socket`) is one.
 */
export interface ClientConnection {
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** Per-request context shared by the plugin, the directive and the resolvers. */
export interface TollgateContext {
  /** Who is calling. */
  client: ClientIdentity;
  /** Admits `@rateLimit` field invocations; set up by the plugin's charge before execution. */
  fieldAdmission: FieldAdmission;
  /** Set by the plugin once the operation is charged (or priced, for a dry run). */
  rateLimitStatus?: RateLimitStatus;
  /**
   * The request's connection: an operation waiting its turn whose client leaves is given back
   * instead of run. Default none: a waiting operation always runs.
   */
  connection?: ClientConnection;
}
