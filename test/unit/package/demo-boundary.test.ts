import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SRC, sourceFiles, specifiers } from '../../support/source-imports.js';

const DEMO = join(SRC, 'demo');
const PUBLIC_ENTRY = join(SRC, 'index.js');
/** Packages the demo may use besides Tollgate: what any app on Tollgate has. */
const ALLOWED_PACKAGES = /^(node:|graphql$)/;

/** Whether a demo file may import `specifier`: its own modules, the public entry, allowed packages. */
function allowed(file: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return ALLOWED_PACKAGES.test(specifier);
  const target = resolve(dirname(file), specifier);
  return !relative(DEMO, target).startsWith('..') || target === PUBLIC_ENTRY;
}

describe('src/demo, the first user of the public entry', () => {
  it('imports nothing of Tollgate but the public entry (src/index.ts)', () => {
    const files = sourceFiles(DEMO);
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) =>
      specifiers(file)
        .filter((specifier) => !allowed(file, specifier))
        .map((specifier) => `${relative(SRC, file)}: ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('refuses deep imports and other packages, and accepts the entry and its own modules', () => {
    const file = join(DEMO, 'resolvers.ts');
    expect(allowed(file, '../plugin/tollgate-plugin.js')).toBe(false);
    expect(allowed(file, '../config/index.js')).toBe(false);
    expect(allowed(file, 'ioredis')).toBe(false);
    expect(allowed(file, '../index.js')).toBe(true);
    expect(allowed(file, './catalogue.js')).toBe(true);
    expect(allowed(join(DEMO, '__generated__', 'resolvers-types.ts'), '../../index.js')).toBe(true);
    expect(specifiers(join(DEMO, '__generated__', 'resolvers-types.ts'))).toContain('../../index.js');
  });
});
