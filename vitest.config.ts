// Vitest: every suite under test/, in parallel across the machine's cores, with v8 coverage of src/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // main.ts binds the CLI to the process (spawned in tests); index.ts only re-exports.
      exclude: ['cli/main.ts', 'src/index.ts'],
      reporter: ['text-summary', 'text', 'html', 'lcov'],
      reportsDirectory: 'coverage',
      // `npm run coverage` fails below these (issue: statements >= 95 %, branches >= 90 %).
      thresholds: { statements: 95, branches: 90 },
    },
  },
});
