import { defineConfig } from 'vitest/config';

/**
 * Wall-clock checks of the browser's main thread (no task over 50 ms): with the other worker
 * saturating this 2-core machine a task of the page is stretched by waiting for a core (54 to
 * 531 ms seen in CI, 0 ms alone), so they run after everything else, alone.
 */
const ALONE = ['test/e2e/portfolio.browser.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/no-network.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each worker opens its own PGlite (~300 MB); two match this 2-core machine.
    maxWorkers: 2,
    env: { TZ: 'UTC' },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE } },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
