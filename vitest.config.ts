import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/support/setup.ts'],
    // The closing-line reporter prints `vitest: N passed, N failed, N skipped` for .ci/run.
    reporters: ['default', './tests/support/closing-line-reporter.ts'],
    testTimeout: 30_000,
  },
});
