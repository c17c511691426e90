import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe("the README's configuration file example", () => {
  it('is a file loadConfig takes as it stands, every key known', () => {
    const section = README.slice(README.indexOf('## Configuration'));
    const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(example).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), 'tollgate-readme-')), 'tollgate.json');
    writeFileSync(file, example as string);
    const config = loadConfig({ TOLLGATE_CONFIG: file });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.cors.origins).toEqual(['https://app.example.com']);
    expect(config.identity.trustedProxies).toEqual({ kind: 'hops', hops: 1 });
    expect(config.explorer.landingPage).toBe(false);
  });
});
