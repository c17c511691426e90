import type { TierName } from '../config/index.js';

/** What is kept of an API key. The secret itself is never stored, only its hash. */
export interface ApiKeyRecord {
  /** Public id, the `<id>` of `tg_<id>_<secret>`. */
  id: string;
  /** The operator's name for it (who holds it). */
  name: string;
  tier: TierName;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or `null` if never used; updated at most once a minute per server process. */
  lastUsedAt: string | null;
  /** ISO 8601 once revoked; a revoked key is refused. */
  revokedAt: string | null;
  /** SHA-256 of the secret, hex. */
  secretHash: string;
}

/** Where API key records live: Redis, or a file for the embedded default. */
export interface KeyStore {
  /** Stores a new record; its id must be new. */
  add(record: ApiKeyRecord): Promise<void>;
  /** The record of `id`, or `null`. */
  get(id: string): Promise<ApiKeyRecord | null>;
  /** Every record, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** Changes a record's tier or revokes it; `false` when there is no such key. */
  update(id: string, change: Partial<Pick<ApiKeyRecord, 'tier' | 'revokedAt'>>): Promise<boolean>;
  /** Records when keys were last used (batched, off the request path). */
  touch(lastUsed: ReadonlyMap<string, string>): Promise<void>;
  close(): Promise<void>;
}
