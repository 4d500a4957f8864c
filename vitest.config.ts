import { defineConfig } from 'vitest/config';

// Four projects: unit tests need nothing but Node; integration tests get a migrated template
// database from the global setup and clone it once per file (test/helpers/database.ts); the
// black-box suite starts the built service as a process and speaks to it over TCP only.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/http/**/*.test.ts', 'test/storage/**/*.test.ts', 'test/process/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The built service as a process, over TCP, in both database modes (test/blackbox/harness.ts).
        test: {
          name: 'blackbox',
          include: ['test/blackbox/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The portals in Debian's Chromium (playwright-core), against the built service over TCP.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
