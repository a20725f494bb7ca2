// What the checker reports, one event per line (see reporter.ts): the contract between the checker
// and everything that reads its results (`lab check`, `lab check --json`, `lab grade`, the dev check).

export interface CheckError {
  message: string;
  /** For comparisons: the expected and the actual value, as vitest serialised them. */
  expected?: string;
  actual?: string;
}

export type CheckEvent =
  /** A check began (the live view names it while it runs). */
  | { type: 'check-started'; lab: string; spec: string; name: string }
  | {
      type: 'check';
      lab: string;
      spec: string;
      name: string;
      state: 'passed' | 'failed' | 'skipped';
      durationMs: number;
      /** The hint (1-based) that helps with this check. */
      hint?: number;
      /** Only in the dev check's runs of a lab's mistakes: the mistake this run judged. */
      mistake?: string;
      errors: CheckError[];
    }
  | { type: 'spec-error'; spec: string; message: string };

export type CheckResult = Extract<CheckEvent, { type: 'check' }>;
