import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/no-network.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each worker opens its own PGlite (~300 MB); two match this 2-core machine.
    maxWorkers: 2,
    env: { TZ: 'UTC' },
  },
});
