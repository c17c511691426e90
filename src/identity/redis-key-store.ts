import type { Cluster, Redis } from 'ioredis';
import type { TierName } from '../config/index.js';
import { closeRedis } from '../limiter/redis-connection.js';
import type { ApiKeyRecord, KeyStore } from './key-store.js';

const INDEX_KEY = 'tg:keys';
const recordKey = (id: string) => `tg:key:${id}`;

/**
 * API key records in Redis: one hash per key (`tg:key:<id>`) and a set of ids (`tg:keys`) for
 * listing. Records are not per client, so they live outside the clients' hash-tag slots.
 */
export class RedisKeyStore implements KeyStore {
  constructor(private readonly redis: Redis | Cluster) {}

  async add(record: ApiKeyRecord): Promise<void> {
    const created = await this.redis.hsetnx(recordKey(record.id), 'id', record.id);
    if (created === 0) throw new Error(`an API key with id ${record.id} exists already`);
    await this.redis.hset(recordKey(record.id), toHash(record));
    await this.redis.sadd(INDEX_KEY, record.id);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    return fromHash(await this.redis.hgetall(recordKey(id)));
  }

  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.redis.smembers(INDEX_KEY);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records
      .filter((record): record is ApiKeyRecord => record !== null)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async update(id: string, change: Partial<Pick<ApiKeyRecord, 'tier' | 'revokedAt'>>): Promise<boolean> {
    if (!(await this.redis.exists(recordKey(id)))) return false;
    const fields = Object.entries(change).filter(([, value]) => value !== undefined) as Array<
      [string, string]
    >;
    if (fields.length > 0) await this.redis.hset(recordKey(id), Object.fromEntries(fields));
    return true;
  }

  async touch(lastUsed: ReadonlyMap<string, string>): Promise<void> {
    await Promise.all([...lastUsed].map(([id, at]) => this.redis.hset(recordKey(id), 'lastUsedAt', at)));
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

function toHash(record: ApiKeyRecord): Record<string, string> {
  const hash: Record<string, string> = {
    id: record.id,
    name: record.name,
    tier: record.tier,
    createdAt: record.createdAt,
    secretHash: record.secretHash,
  };
  if (record.lastUsedAt) hash.lastUsedAt = record.lastUsedAt;
  if (record.revokedAt) hash.revokedAt = record.revokedAt;
  return hash;
}

function fromHash(hash: Record<string, string>): ApiKeyRecord | null {
  if (!hash.id || !hash.secretHash || !hash.tier) return null;
  return {
    id: hash.id,
    name: hash.name ?? '',
    tier: hash.tier as TierName,
    createdAt: hash.createdAt ?? '',
    lastUsedAt: hash.lastUsedAt || null,
    revokedAt: hash.revokedAt || null,
    secretHash: hash.secretHash,
  };
}
