// Assertions that explain themselves to a learner: what ran, what came out, and what an errno means.
import { expect } from 'vitest';
import { explainErrnos } from './errno-causes.ts';
import type { RunResult } from './mydocker.ts';

/** The context of a run, to put in front of a failed assertion. */
export function describeRun(result: RunResult): string {
  const lines = [`ran: ${result.command}`, `exit code: ${result.exitCode}`];
  if (result.stderr.trim()) lines.push(`stderr: ${result.stderr.trim()}`);
  const causes = explainErrnos(result.stderr);
  if (causes) lines.push(causes);
  return lines.join('\n');
}

export function expectExitCode(result: RunResult, expected: number): void {
  expect(result.exitCode, describeRun(result)).toBe(expected);
}

/** The run must succeed, and print exactly `stdout`. */
export function expectOutput(result: RunResult, stdout: string): void {
  expectExitCode(result, 0);
  expect(result.stdout, describeRun(result)).toBe(stdout);
}
