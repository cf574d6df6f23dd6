import type { Reporter, TestModule } from 'vitest/node';

/** Ends a run with one plain `N passed, N failed[, N skipped]` line that any CI can read. */
export default class SummaryLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of modules) {
      for (const test of module.children.allTests()) count[test.result().state]++;
    }
    const skipped = count.skipped + count.pending;
    console.log(
      `${count.passed} passed, ${count.failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
    );
  }
}
