import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds web/ once, so the browser tests drive the real bundle the hub serves.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests open real TCP ports and SQLite files; two workers fit this 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
