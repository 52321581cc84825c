import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/chaos/ (issue 18: three replicas killed at random, PostgreSQL and Redis restarted under load)
    // runs here at a small size; `npm run test:chaos` runs it alone, at the size its env variables ask.
    exclude: ['node_modules/**'],
    // Builds web/ once, so the browser tests drive the real bundle the hub serves.
    globalSetup: ['test/global-setup.ts'],
    // Integration tests open real TCP ports and SQLite files; two workers fit this 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    // Ceilings, not budgets: a test waits for what it expects and is only cut off if it never comes. On a
    // loaded 2-core machine (npm run test:loaded) a 20 s ceiling cut off tests that were merely slow.
    // Time budgets belong in `npm run bench`.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for what it expects; its 1 s default is a budget, not a ceiling.
    expect: { poll: { timeout: 30_000, interval: 50 } },
    // `npm test` runs with coverage. Floors a little below the figures measured on 2 Dec 2026: overall from the
    // full suite on a fresh clone (CI), the core domains from their unit tests alone (a full run covers more).
    // Raise them when a change raises the figure; never lower one to make a change pass.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
      thresholds: {
        // Measured overall (full suite): lines 90.0, statements 87.2, functions 90.1, branches 77.8.
        lines: 88,
        statements: 85,
        functions: 88,
        branches: 75,
        // The core domains (CONVENTIONS: "Gate coverage on the core domains"). Measured in the comment of each.
        'src/config/**': { lines: 90, statements: 88, functions: 93, branches: 75 }, // 92.7 90.4 95.4 77.9
        'src/profiles/**': { lines: 89, statements: 87, functions: 91, branches: 75 }, // 91.5 89.3 93.9 77.9
        'src/dispatch/**': { lines: 85, statements: 82, functions: 90, branches: 70 }, // 88.3 84.7 92.9 72.3
        'src/geo/**': { lines: 97, statements: 97, functions: 97, branches: 90 }, // 100 99.2 100 93.1
      },
    },
  },
});
