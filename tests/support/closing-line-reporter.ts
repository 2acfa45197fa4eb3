/**
 * A vitest reporter that prints one closing line for CI, from vitest's real results:
 *
 *     vitest: 212 passed, 0 failed, 3 skipped
 *
 * Beyond vitest's own counts it also counts as failures: each test file that failed to load
 * (its tests never ran), and each unhandled error. A run in which no test ran is a failure too,
 * so that a broken include pattern cannot pass silently.
 */
import type { Reporter, TestModule } from 'vitest/node';

type SerializedError = Parameters<NonNullable<Reporter['onTestRunEnd']>>[1][number];

export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      let testsInModule = 0;
      for (const test of testModule.children.allTests()) {
        testsInModule++;
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that threw while loading has module errors and no test results of its own.
      if (testModule.errors().length > 0 && testsInModule === 0) failed++;
      else if (testModule.state() === 'failed' && testsInModule === 0) failed++;
    }
    failed += unhandledErrors.length;
    if (passed + failed === 0) {
      process.stdout.write('closing-line-reporter: no test ran; counting the run as failed\n');
      failed = 1;
    }
    if (failed > 0) process.exitCode = 1;
    process.stdout.write(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
