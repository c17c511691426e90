import { describe, expect, it } from 'vitest';
import { displayKey, generateApiKey, parseApiKey, secretMatches } from '../../../src/identity/api-key.js';

describe('API keys', () => {
  it('are tg_<id>_<secret>, and only the hash of the secret is kept', () => {
    const { key, id, secretHash } = generateApiKey();
    expect(key).toMatch(/^tg_[a-z2-7]{10}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseApiKey(key);
    expect(parsed?.id).toBe(id);
    expect(secretHash).not.toContain(parsed?.secret);
    expect(secretMatches(parsed?.secret ?? '', secretHash)).toBe(true);
    expect(secretMatches(`${parsed?.secret.slice(0, -1)}x`, secretHash)).toBe(false);
    expect(displayKey(id)).toBe(`tg_${id}_…`);
  });

  it('are told apart from anything else', () => {
    for (const text of ['', 'tg_', 'tg_short_secret', 'Bearer x', `tg_${'a'.repeat(10)}_${'b'.repeat(42)}`]) {
      expect(parseApiKey(text)).toBeNull();
    }
  });
});
