import { defineConfig } from 'vitest/config';

// Two projects: unit tests need nothing but Node; integration tests get a migrated template
// database from the global setup and clone it once per file (test/helpers/database.ts).
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
    ],
  },
});
