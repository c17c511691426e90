import type { IncomingMessage } from 'node:http';
import { TIER_NAMES } from '../config/index.js';
import { authFailuresError, limiterUnavailableError, unauthenticatedError } from '../errors.js';
import { withDeadline } from '../limiter/deadline.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { parseApiKey, secretMatches } from './api-key.js';
import type { AuthFailureGuard } from './auth-failures.js';
import { apiKeyOf, type ClientIdentity } from './client-identity.js';
import type { ApiKeyRecord, KeyStore } from './key-store.js';

/** Options of {@link createIdentify}. */
export interface IdentifyOptions {
  keyStore: KeyStore;
  guard: AuthFailureGuard;
  /** The client address of a request (trusted proxies, IPv6 prefix): `createAddressResolver`. */
  resolveAddress: (headers: IncomingMessage['headers'], peer: string | undefined) => string;
  /** How long a key record is believed before it is read again. A revocation takes this long. Default 500 ms. */
  keyCacheMs?: number;
  /** Deadline of a key lookup, in ms (the Redis deadline). Default 100. */
  lookupTimeoutMs?: number;
  /** How often last-used times are written, at most. Default 60 s. */
  touchIntervalMs?: number;
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

/**
 * Creates the identity step that runs before anything else on every request. No key: the
 * client is its address, tier `anonymous`. A key: it must be well-formed, known, not revoked,
 * and its secret must match (constant time); else 401, never a silent fall-back to anonymous.
 * Failed attempts are counted per address; past the limit the address gets 429 even with a
 * valid key. Key records are read through a short cache, so a revocation reaches every
 * process within `keyCacheMs`.
 */
export function createIdentify(options: IdentifyOptions): Identify {
  const { keyStore, guard, resolveAddress, logger, events } = options;
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
    const lookup = withDeadline(keyStore.get(id), options.lookupTimeoutMs ?? 100)
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

  const identify = async (request: IncomingMessage): Promise<ClientIdentity> => {
    const address = resolveAddress(request.headers, request.socket.remoteAddress);
    const presented = apiKeyOf(request.headers);
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
