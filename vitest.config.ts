import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start real servers and processes; give them room, never retries.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    retry: 0,
  },
});
