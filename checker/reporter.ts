// A vitest reporter for `lab check`: one JSON line per finished check in the file named by
// LAB_RESULTS_FILE, as it finishes, so the workbook can show results live and keep the details a
// learner needs (expected, actual, the hint that applies) that vitest's own JSON report drops.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { CheckEvent } from './results.ts';

export default class LabReporter implements Reporter {
  private readonly file = process.env.LAB_RESULTS_FILE;

  private write(event: CheckEvent): void {
    if (this.file) appendFileSync(this.file, JSON.stringify(event) + '\n');
  }

  onTestCaseReady(testCase: TestCase): void {
    this.write({
      type: 'check-started',
      lab: testCase.meta().lab ?? '',
      spec: relative(process.cwd(), testCase.module.moduleId),
      name: testCase.name,
    });
  }

  onTestCaseResult(testCase: TestCase): void {
    const result = testCase.result();
    const meta = testCase.meta();
    this.write({
      type: 'check',
      lab: meta.lab ?? '',
      spec: relative(process.cwd(), testCase.module.moduleId),
      name: testCase.name,
      state: result.state === 'passed' ? 'passed' : result.state === 'failed' ? 'failed' : 'skipped',
      durationMs: Math.round(testCase.diagnostic()?.duration ?? 0),
      hint: meta.hint,
      ...(meta.mistake !== undefined && { mistake: meta.mistake }),
      errors: (result.errors ?? []).map((error) => ({
        message: error.message,
        expected: error.expected,
        actual: error.actual,
      })),
    });
  }

  onTestModuleEnd(testModule: TestModule): void {
    for (const error of testModule.errors()) {
      this.write({ type: 'spec-error', spec: relative(process.cwd(), testModule.moduleId), message: error.message });
    }
  }
}
