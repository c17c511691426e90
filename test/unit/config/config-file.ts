import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `content` (JSON unless a string) to a fresh file and returns its path, for `TOLLGATE_CONFIG`. */
export function configFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-config-')), 'tollgate.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}
