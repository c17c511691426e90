import type { IncomingMessage } from 'node:http';
import { TIER_NAMES, type TierName } from '../config/index.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../config/settings.js';
import { authFailuresError, limiterUnavailableError, unauthenticatedError } from '../errors.js';
import { withDeadline } from '../limiter/deadline.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { parseApiKey, secretMatches } from './api-key.js';
import type { AuthFailureGuard } from './auth-failures.js';
import { identityOfHint } from './client-hint.js';
import type { ClientIdentity } from './client-identity.js';
import type { ApiKeyRecord, KeyStore } from './key-store.js';
import { DEFAULT_KEY_SOURCES, presentedKey } from './presented-key.js';

/**
 * The app's own answer to "who is calling", for keying buckets by its user or tenant.
 */
export interface ClientHint {
  /**
   * The app's stable, non-secret id of the user or tenant (at most 256 characters). It names the
   * client's buckets (as `app:<id>`) and appears in metrics and logs: never put a token in it.
   */
  id: string;
  /** The tier whose bucket applies. Default `'free'`. */
  tier?: TierName;
}

/**
 * An app's identity hook: the caller of `request` as the app knows it (from its own session, JWT
 * or tenant header), or `undefined` to let Tollgate decide (an API key, else the client address).
 * A `GraphQLError` it throws answers the request unchanged (the app's own 401 for an expired
 * token, with `extensions.http.status`); a malformed hint is a bug of the app and answers 500.
 */
export type IdentifyClient = (
  request: IncomingMessage,
) => ClientHint | undefined | Promise<ClientHint | undefined>;

/** Options of {@link createIdentify}. */
export interface IdentifyOptions {
  keyStore: KeyStore;
  guard: AuthFailureGuard;
  /** The client address of a request (trusted proxies, IPv6 prefix): `createAddressResolver`. */
  resolveAddress: (headers: IncomingMessage['headers'], peer: string | undefined) => string;
  /** How long a key record is believed before it is read again. A revocation takes this long. Default 500 ms. */
  keyCacheMs?: number;
  /** Deadline of a key lookup, in ms (the Redis deadline). Default {@link DEFAULT_REDIS_TIMEOUT_MS}. */
  lookupTimeoutMs?: number;
  /** How often last-used times are written, at most. Default 60 s. */
  touchIntervalMs?: number;
  /** The header that carries API keys, lower case; `null`: none does. Default `x-api-key`. */
  apiKeyHeader?: string | null;
  /** Whether `Authorization: Bearer tg_…` is an API key. Default true. */
  bearerApiKeys?: boolean;
  /** The app's identity hook, asked before anything else. Default none. */
  identifyClient?: IdentifyClient;
  logger: Logger;
  events?: TollgateEvents;
}

/** Tells who is calling; see {@link createIdentify}. */
export interface Identify {
  /** The caller, or throws the coded error that answers the request (401, 429, 503). */
  (request: IncomingMessage): Promise<ClientIdentity>;
  /** Writes pending last-used times and stops the timer. */
  close(): Promise<void>;
}

const MAX_CACHED_KEYS = 10_000;

/** Distinct malformed-hint messages logged, at most; past that they are only answered. */
const MAX_REPORTED_HINT_ERRORS = 100;

/**
 * Creates the identity step that runs before anything else on every request. The app's
 * `identifyClient` is asked first: its hint wins. Else an API key, if the request presents one
 * (see `presentedKey`): it must be well-formed, known, not revoked, and its secret must match
 * (constant time); else 401, never a silent fall-back to anonymous. Failed attempts are counted
 * per address; past the limit the address gets 429 even with a valid key. Else the client is its
 * address, tier `anonymous`. Key records are read through a short cache, so a revocation reaches
 * every process within `keyCacheMs`.
 */
export function createIdentify(options: IdentifyOptions): Identify {
  const { keyStore, guard, resolveAddress, logger, events, identifyClient } = options;
  const keySources = {
    apiKeyHeader:
      options.apiKeyHeader === undefined ? DEFAULT_KEY_SOURCES.apiKeyHeader : options.apiKeyHeader,
    bearerApiKeys: options.bearerApiKeys ?? DEFAULT_KEY_SOURCES.bearerApiKeys,
  };
  const keyCacheMs = options.keyCacheMs ?? 500;
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  const records = new Map<string, { record: ApiKeyRecord | null; expiresAt: number }>();
  const lastTouched = new Map<string, number>();
  let pendingTouches = new Map<string, string>();

  const flushTouches = async () => {
    if (pendingTouches.size === 0) return;
    const batch = pendingTouches;
    pendingTouches = new Map();
    await keyStore
      .touch(batch)
      .catch((error: Error) => logger.warn({ err: error.message }, 'last-used update failed'));
  };
  const timer = setInterval(() => void flushTouches(), touchIntervalMs);
  timer.unref();

  const refreshing = new Map<string, Promise<ApiKeyRecord | null>>();
  const fetchRecord = (id: string): Promise<ApiKeyRecord | null> => {
    const pending = refreshing.get(id);
    if (pending) return pending;
    const lookup = withDeadline(keyStore.get(id), options.lookupTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS)
      .then((outcome) => {
        if (outcome.kind === 'timeout') throw new Error('the key store did not answer in time');
        if (outcome.kind === 'error') throw outcome.error;
        const record = outcome.value;
        if (records.size >= MAX_CACHED_KEYS) records.clear();
        records.set(id, { record, expiresAt: Date.now() + keyCacheMs });
        return record;
      })
      .finally(() => refreshing.delete(id));
    refreshing.set(id, lookup);
    return lookup;
  };

  // Stale-while-revalidate: a key seen before is answered from memory and re-read in the
  // background once its entry is older than keyCacheMs, so the request path keeps its one Redis
  // call; a revocation still lands within keyCacheMs plus one read.
  const recordOf = async (id: string): Promise<ApiKeyRecord | null> => {
    const cached = records.get(id);
    if (cached) {
      if (cached.expiresAt <= Date.now()) {
        fetchRecord(id).catch((error: Error) => logger.warn({ err: error.message }, 'API key lookup failed'));
      }
      return cached.record;
    }
    try {
      return await fetchRecord(id);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'API key lookup failed');
      throw limiterUnavailableError(1);
    }
  };

  const refuse = async (address: string) => {
    events?.operation?.({
      outcome: 'unauthenticated',
      tier: 'anonymous',
      client: `ip:${address}`,
      estimatedCost: 0,
      actualCost: 0,
    });
    await guard.recordFailure(address).catch(() => {});
    return unauthenticatedError();
  };

  // A malformed hint repeats on every request until the app is fixed: say it once, not per request.
  const reportedHintErrors = new Set<string>();
  const appIdentity = async (
    hook: IdentifyClient,
    request: IncomingMessage,
  ): Promise<ClientIdentity | undefined> => {
    // A GraphQLError of the hook (the app's own 401) propagates as it is: Apollo answers it.
    const hint = await hook(request);
    if (hint === undefined) return undefined;
    try {
      return identityOfHint(hint);
    } catch (error) {
      const message = (error as Error).message;
      if (!reportedHintErrors.has(message) && reportedHintErrors.size < MAX_REPORTED_HINT_ERRORS) {
        reportedHintErrors.add(message);
        logger.error({ err: message }, 'identifyClient returned a malformed hint; answering 500');
      }
      throw error;
    }
  };

  const identify = async (request: IncomingMessage): Promise<ClientIdentity> => {
    if (identifyClient) {
      const app = await appIdentity(identifyClient, request);
      if (app) return app;
    }
    const address = resolveAddress(request.headers, request.socket.remoteAddress);
    const presented = presentedKey(request.headers, keySources);
    if (presented === undefined) return { id: `ip:${address}`, tier: 'anonymous' };

    const waitMs = guard.retryAfterMs(address);
    if (waitMs > 0) throw authFailuresError(Math.ceil(waitMs / 1000));

    const parsed = parseApiKey(presented);
    const record = parsed ? await recordOf(parsed.id) : null;
    if (!parsed || !record || record.revokedAt !== null || !secretMatches(parsed.secret, record.secretHash)) {
      throw await refuse(address);
    }
    if (!(TIER_NAMES as readonly string[]).includes(record.tier)) {
      // A record edited by hand, or a tier that no longer exists: an operator's mistake to fix.
      logger.error({ keyId: record.id, tier: record.tier }, 'API key names an unknown tier; refusing it');
      throw unauthenticatedError();
    }
    const now = Date.now();
    if (now - (lastTouched.get(record.id) ?? 0) >= touchIntervalMs) {
      lastTouched.set(record.id, now);
      pendingTouches.set(record.id, new Date(now).toISOString());
    }
    return { id: `key:${record.id}`, tier: record.tier };
  };

  return Object.assign(identify, {
    async close() {
      clearInterval(timer);
      await flushTouches();
    },
  });
}
