import { PassThrough } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeyRecords, type KeyRecordsOptions } from '../../../src/identity/key-records.js';
import type { ApiKeyRecord, KeyStore } from '../../../src/identity/key-store.js';
import { createLogger } from '../../../src/logger.js';

/** A key store in memory that can be made to fail, counting its reads. */
function fakeKeyStore() {
  const records = new Map<string, ApiKeyRecord>();
  const state = { up: true, reads: [] as string[] };
  const store: KeyStore = {
    add: async (record) => void records.set(record.id, record),
    get: async (id) => {
      state.reads.push(id);
      if (!state.up) throw new Error('connection refused');
      return records.get(id) ?? null;
    },
    list: async () => [...records.values()],
    update: async (id, change) => {
      const record = records.get(id);
      if (record) records.set(id, { ...record, ...change });
      return record !== undefined;
    },
    touch: async () => {},
    close: async () => {},
  };
  return { store, records, state };
}

function record(id: string): ApiKeyRecord {
  return {
    id,
    name: id,
    tier: 'pro',
    createdAt: '2025-01-01T00:00:00.000Z',
    lastUsedAt: null,
    revokedAt: null,
    secretHash: '00',
  };
}

function build(options: Partial<KeyRecordsOptions> = {}) {
  const keys = fakeKeyStore();
  const logs: Array<Record<string, unknown>> = [];
  const destination = new PassThrough();
  destination.on('data', (line: Buffer) => logs.push(JSON.parse(line.toString())));
  const records = new KeyRecords({
    keyStore: keys.store,
    cacheMs: 500,
    maxStalenessMs: 5000,
    lookupTimeoutMs: 100,
    logger: createLogger({ destination }),
    ...options,
  });
  return { records, keys, logs };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-06-01T12:00:00.000Z'));
});
afterEach(() => {
  vi.useRealTimers();
});
const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

describe('key records', () => {
  it('are read once, then again in the background once older than cacheMs', async () => {
    const { records, keys } = build();
    keys.records.set('acme000000', record('acme000000'));
    expect(await records.lookup('acme000000')).toMatchObject({ kind: 'found' });
    advance(499);
    expect(await records.lookup('acme000000')).toMatchObject({ kind: 'found' });
    expect(keys.state.reads).toHaveLength(1);

    await keys.store.update('acme000000', { revokedAt: new Date().toISOString() });
    advance(1);
    // Due: answered from memory at once, read again behind it.
    expect(await records.lookup('acme000000')).toMatchObject({ kind: 'found', record: { revokedAt: null } });
    await tick();
    expect(keys.state.reads).toHaveLength(2);
    expect(await records.lookup('acme000000')).toMatchObject({ record: { revokedAt: expect.any(String) } });
  });

  it('are trusted for at most maxStalenessMs after their last read while the store fails', async () => {
    const { records, keys } = build();
    keys.records.set('acme000000', record('acme000000'));
    await records.lookup('acme000000');
    keys.state.up = false;
    advance(4999);
    expect(await records.lookup('acme000000')).toMatchObject({ kind: 'found' });
    advance(1);
    expect(records.cached('acme000000')).toBeUndefined();
    expect(await records.lookup('acme000000')).toEqual({ kind: 'unavailable' });
    // The store answering again restores it.
    keys.state.up = true;
    advance(1000);
    expect(await records.lookup('acme000000')).toMatchObject({ kind: 'found' });
  });

  it('answer an id never read as unavailable, at once, while the store fails', async () => {
    const { records, keys } = build();
    keys.state.up = false;
    expect(await records.lookup('never00000')).toEqual({ kind: 'unavailable' });
  });

  it('cost one read per unknown id, and a flood of unknown ids evicts no real key', async () => {
    const { records, keys } = build({ maxKnown: 10, maxAbsent: 100 });
    const real = Array.from({ length: 10 }, (_, i) => `real${String(i).padStart(6, '0')}`);
    for (const id of real) keys.records.set(id, record(id));
    for (const id of real) await records.lookup(id);
    expect(await records.lookup('unknown000')).toEqual({ kind: 'absent' });
    expect(await records.lookup('unknown000')).toEqual({ kind: 'absent' });
    expect(keys.state.reads).toHaveLength(11);

    for (let i = 0; i < 20_000; i++) await records.lookup(`flood${String(i).padStart(5, '0')}`);
    expect(keys.state.reads).toHaveLength(11 + 20_000);
    for (const id of real) expect(records.cached(id)).toMatchObject({ kind: 'found' });
    expect(keys.state.reads).toHaveLength(11 + 20_000);
  });

  it('log an outage once when it starts and once, with counts, when it ends; no read waits meanwhile', async () => {
    const { records, keys, logs } = build();
    keys.state.up = false;
    for (let i = 0; i < 200; i++) {
      expect(await records.lookup(`id${String(i).padStart(8, '0')}`)).toEqual({ kind: 'unavailable' });
    }
    // Three failed reads start the outage; after that nothing is read until the probe a second later.
    expect(keys.state.reads).toHaveLength(3);
    advance(1000);
    await records.lookup('probe00000');
    expect(keys.state.reads).toHaveLength(4);

    keys.state.up = true;
    advance(1000);
    expect(await records.lookup('probe00000')).toEqual({ kind: 'absent' });
    await tick();
    const outage = logs.filter((line) => String(line.msg).startsWith('API key store'));
    expect(outage.map((line) => line.msg)).toEqual([
      expect.stringMatching(/^API key store is unavailable: /),
      'API key store is back: keys are verified again',
    ]);
    expect(outage[1]).toMatchObject({ failedReads: 4, servedUnverified: 201, outageMs: 2000 });
    expect(logs.filter((line) => line.msg === 'API key lookup failed')).toEqual([]);
  });
});
