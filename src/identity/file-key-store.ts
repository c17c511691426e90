import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApiKeyRecord, KeyStore } from './key-store.js';

interface KeyFile {
  version: 1;
  keys: Record<string, ApiKeyRecord>;
}

/**
 * API key records in a JSON file, for the embedded default (no Redis): they survive restarts.
 * The `keys` command writes the file; servers read it again whenever it changes. Last-used
 * times go to a file of their own (`<path>.last-used.json`), so a server never rewrites the
 * records and cannot undo a revocation it has not seen yet.
 */
export class FileKeyStore implements KeyStore {
  private cached: { version: string; file: KeyFile } | undefined;

  constructor(private readonly path: string) {}

  async add(record: ApiKeyRecord): Promise<void> {
    const file = this.read();
    if (file.keys[record.id]) throw new Error(`an API key with id ${record.id} exists already`);
    file.keys[record.id] = record;
    this.write(this.path, file);
  }

  async get(id: string): Promise<ApiKeyRecord | null> {
    const record = this.read().keys[id];
    return record ? { ...record, lastUsedAt: this.lastUsed()[id] ?? record.lastUsedAt } : null;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const lastUsed = this.lastUsed();
    return Object.values(this.read().keys)
      .map((record) => ({ ...record, lastUsedAt: lastUsed[record.id] ?? record.lastUsedAt }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async update(id: string, change: Partial<Pick<ApiKeyRecord, 'tier' | 'revokedAt'>>): Promise<boolean> {
    const file = this.read();
    const record = file.keys[id];
    if (!record) return false;
    file.keys[id] = { ...record, ...change };
    this.write(this.path, file);
    return true;
  }

  async touch(lastUsed: ReadonlyMap<string, string>): Promise<void> {
    this.write(this.usagePath, { ...this.lastUsed(), ...Object.fromEntries(lastUsed) });
  }

  async close(): Promise<void> {}

  private get usagePath(): string {
    return `${this.path}.last-used.json`;
  }

  private read(): KeyFile {
    let version: string;
    try {
      // Every write renames a new file into place: a new inode is a new version.
      const stat = statSync(this.path);
      version = `${stat.ino}:${stat.mtimeMs}`;
    } catch {
      return { version: 1, keys: {} };
    }
    if (this.cached?.version !== version) {
      this.cached = { version, file: JSON.parse(readFileSync(this.path, 'utf8')) as KeyFile };
    }
    return structuredClone(this.cached.file);
  }

  private lastUsed(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(this.usagePath, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  }

  // Write to a temporary file and rename it: a reader never sees half a file.
  private write(path: string, content: unknown): void {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  }
}
