import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships CommonJS and ESM side by side without an exports map: Vite would pick the
    // ESM copy for our code while Apollo and graphql-tools load the CommonJS one, and a schema from
    // one copy fails instanceof checks in the other. Node resolves `graphql` to CommonJS; so do we.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start real servers and processes; give them room, never retries.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    retry: 0,
  },
});
