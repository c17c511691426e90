import type { IncomingMessage } from 'node:http';
import { TIER_NAMES, type TierName } from '../config/index.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from '../config/settings.js';
import { authFailuresError, unauthenticatedError } from '../errors.js';
import { withDeadline } from '../limiter/deadline.js';
import type { Logger } from '../logger.js';
import type { TollgateEvents } from '../observe/events.js';
import { type ParsedApiKey, parseApiKey, secretMatches } from './api-key.js';
import type { AuthFailureGuard } from './auth-failures.js';
import { BoundedMap } from './bounded-map.js';
import { identityOfHint } from './client-hint.js';
import { anonymousClient, type ClientIdentity } from './client-identity.js';
import { KeyRecords } from './key-records.js';
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
 * or tenant header), or `undefined` (or `null`) to let Tollgate decide (an API key, else the
 * client address).
 * A `GraphQLError` it throws answers the request unchanged (the app's own 401 for an expired
 * token, with `extensions.http.status`); a malformed hint is a bug of the app and answers 500.
 */
export type IdentifyClient = (
  request: IncomingMessage,
) => ClientHint | null | undefined | Promise<ClientHint | null | undefined>;

/** Options of {@link createIdentify}. */
export interface IdentifyOptions {
  keyStore: KeyStore;
  guard: AuthFailureGuard;
  /** The client address of a request (trusted proxies, IPv6 prefix): `createAddressResolver`. */
  resolveAddress: (headers: IncomingMessage['headers'], peer: string | undefined) => string;
  /** How long a key record is used before it is read again (in the background), in ms. Default 500. */
  keyCacheMs?: number;
  /**
   * How long after it was read a key record is trusted at most, in ms, when it cannot be read again
   * (the key store is out): past it, the key is served as the anonymous client of its address.
   * The longest a revoked key keeps its tier on a process cut off from the key store. Default 5000.
   */
  keyMaxStalenessMs?: number;
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
  /** The caller, or throws the coded error that answers the request (401, 429). */
  (request: IncomingMessage): Promise<ClientIdentity>;
  /** Writes pending last-used times and stops the timer. */
  close(): Promise<void>;
}

/** Distinct malformed-hint messages logged, at most; past that they are only answered. */
const MAX_REPORTED_HINT_ERRORS = 100;
/** Keys whose last use is remembered, at most (only valid keys get there). */
const MAX_TOUCHED_KEYS = 10_000;

/**
 * Creates the identity step that runs before anything else on every request. The app's
 * `identifyClient` is asked first: its hint wins. Else an API key, if the request presents one
 * (see `presentedKey`): a valid one (well-formed, known, not revoked, its secret matching in
 * constant time) is served in its tier; an invalid one gets 401; one that cannot be verified (the
 * key store is out and no trusted record is cached) is served as the anonymous client of its
 * address, never in a tier, never refused. Checks of keys are limited per address by the guard
 * (429 past the limit), except for keys already served from that address. Else the client is its
 * address, tier `anonymous`.
 */
export function createIdentify(options: IdentifyOptions): Identify {
  const { keyStore, guard, resolveAddress, logger, events, identifyClient } = options;
  const keySources = {
    apiKeyHeader:
      options.apiKeyHeader === undefined ? DEFAULT_KEY_SOURCES.apiKeyHeader : options.apiKeyHeader,
    bearerApiKeys: options.bearerApiKeys ?? DEFAULT_KEY_SOURCES.bearerApiKeys,
  };
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  const lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
  const records = new KeyRecords({
    keyStore,
    cacheMs: options.keyCacheMs ?? 500,
    maxStalenessMs: options.keyMaxStalenessMs ?? 5000,
    lookupTimeoutMs,
    logger,
  });
  const lastTouched = new BoundedMap<string, number>(MAX_TOUCHED_KEYS);
  let pendingTouches = new Map<string, string>();

  // Last-used times are best effort: a failed write waits for the next flush, said once a streak.
  let touchesFailing = false;
  const flushTouches = async () => {
    if (pendingTouches.size === 0) return;
    const batch = pendingTouches;
    pendingTouches = new Map();
    try {
      // Bounded like every other call to the store: a hung Redis must not hold up a shutdown.
      const outcome = await withDeadline(keyStore.touch(batch), lookupTimeoutMs);
      if (outcome.kind === 'timeout') throw new Error('the key store did not answer in time');
      if (outcome.kind === 'error') throw outcome.error;
      touchesFailing = false;
    } catch (error) {
      pendingTouches = new Map([...batch, ...pendingTouches]);
      if (!touchesFailing) logger.warn({ err: (error as Error).message }, 'last-used update failed');
      touchesFailing = true;
    }
  };
  const timer = setInterval(() => void flushTouches(), touchIntervalMs);
  timer.unref();

  const servedAs = (record: ApiKeyRecord): ClientIdentity => {
    const now = Date.now();
    if (now - (lastTouched.get(record.id) ?? 0) >= touchIntervalMs) {
      lastTouched.set(record.id, now);
      pendingTouches.set(record.id, new Date(now).toISOString());
    }
    return { id: `key:${record.id}`, tier: record.tier };
  };

  const refuse = (address: string) => {
    events?.operation?.({
      outcome: 'unauthenticated',
      tier: 'anonymous',
      client: `ip:${address}`,
      estimatedCost: 0,
      actualCost: 0,
    });
    return unauthenticatedError();
  };

  /** The client a presented key makes of a request from `address`, or the error that answers it. */
  /** A key already served from this address, verified from memory: no store call at all. */
  const servedFromMemory = (address: string, key: ParsedApiKey): ClientIdentity | undefined => {
    if (!guard.knows(address, key.id)) return undefined;
    const cached = records.cached(key.id);
    const record = cached?.kind === 'found' ? cached.record : undefined;
    return record && isValid(record, key) && isKnownTier(record.tier) ? servedAs(record) : undefined;
  };

  /** Checks a key under the lockout: a slot of the address's failure window first, then the record. */
  const check = async (address: string, key: ParsedApiKey): Promise<ClientIdentity> => {
    const admission = await guard.admit(address, key.id).catch(() => undefined);
    // The lockout cannot be consulted (a store failing under the `closed` policy): nothing is
    // checked, and the charge that follows answers by the failure policy.
    if (!admission) return anonymousClient(address);
    if (!admission.allowed) throw authFailuresError(Math.ceil(admission.retryAfterMs / 1000));
    const lookup = await records.lookup(key.id);
    if (lookup.kind === 'unavailable') {
      admission.settle('unchecked');
      return anonymousClient(address);
    }
    if (lookup.kind === 'absent' || !isValid(lookup.record, key)) {
      admission.settle('failed');
      throw refuse(address);
    }
    if (!isKnownTier(lookup.record.tier)) {
      admission.settle('unchecked');
      // A record edited by hand, or a tier that no longer exists: an operator's mistake to fix.
      logger.error(
        { keyId: lookup.record.id, tier: lookup.record.tier },
        'API key names an unknown tier; refusing it',
      );
      throw unauthenticatedError();
    }
    admission.settle('passed');
    return servedAs(lookup.record);
  };

  // The first check of a key id at an address, while it runs: a burst of one new key waits for it
  // rather than each request taking a slot of the failure window (bounded by requests in flight).
  const checking = new Map<string, Promise<ClientIdentity>>();
  const identifyByKey = async (address: string, presented: string): Promise<ClientIdentity> => {
    const key = parseApiKey(presented);
    // No record can match a malformed key: refused without a lookup, so nothing to count.
    if (!key) throw refuse(address);
    const known = servedFromMemory(address, key);
    if (known) return known;
    const pair = `${address} ${key.id}`;
    const pending = checking.get(pair);
    if (pending) {
      await pending.catch(() => {});
      // Same key and it passed: served. Another secret for that id, or no verdict: checked itself.
      return servedFromMemory(address, key) ?? check(address, key);
    }
    const first = check(address, key).finally(() => {
      if (checking.get(pair) === first) checking.delete(pair);
    });
    checking.set(pair, first);
    return first;
  };

  // A malformed hint repeats on every request until the app is fixed: say it once, not per request.
  const reportedHintErrors = new Set<string>();
  const appIdentity = async (
    hook: IdentifyClient,
    request: IncomingMessage,
  ): Promise<ClientIdentity | undefined> => {
    // A GraphQLError of the hook (the app's own 401) propagates as it is: Apollo answers it.
    const hint = await hook(request);
    if (hint === undefined || hint === null) return undefined;
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
    return presented === undefined ? anonymousClient(address) : identifyByKey(address, presented);
  };

  return Object.assign(identify, {
    async close() {
      clearInterval(timer);
      await flushTouches();
    },
  });
}

function isKnownTier(tier: string): tier is TierName {
  return (TIER_NAMES as readonly string[]).includes(tier);
}

/** Whether `key` is the key of `record`, and the record lets it in. */
function isValid(record: ApiKeyRecord, key: ParsedApiKey): boolean {
  return record.revokedAt === null && secretMatches(key.secret, record.secretHash);
}
