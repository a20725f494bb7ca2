// `lab check` as data: one reducer folds the checker's events into what the screen shows, and the
// report (`--json`, progress) comes from the same state.
import { stripVTControlCharacters } from 'node:util';
import type { Lab } from '../../../chapters/manifest.ts';
import type { CheckEvent, CheckResult } from '../../../checker/results.ts';
import { markFailed, markPassed, type Progress } from '../../progress/progress.ts';

export interface SpecError {
  spec: string;
  message: string;
}

/** A finished line: a check, or a spec that could not run (it failed to load, or a hook failed). */
export type Finished = { kind: 'check'; check: CheckResult } | { kind: 'spec-error'; error: SpecError };

export interface CheckReport {
  lab: string;
  source: string;
  passed: boolean;
  checks: CheckResult[];
  specErrors: SpecError[];
}

export interface CheckState {
  lab: Lab;
  source: string;
  /** How many hints of the lab the learner has seen, to say whether the one that helps is new. */
  hintsRevealed: number;
  /** Whether the lab is the current one, so that a bare `lab hint` means it. */
  isCurrent: boolean;
  finished: Finished[];
  /** The check running now, while the checker runs. */
  running?: string;
  /** Set once the checker has exited. */
  report?: CheckReport;
  /** The learner stopped the run (Ctrl-C): what finished is shown, and nothing is recorded. */
  interrupted?: boolean;
}

export type CheckAction = CheckEvent | { type: 'finished'; output: string; interrupted?: boolean };

export function initialCheckState(lab: Lab, source: string, { hintsRevealed = 0, isCurrent = true } = {}): CheckState {
  return { lab, source, hintsRevealed, isCurrent, finished: [] };
}

export function reduceCheck(state: CheckState, action: CheckAction): CheckState {
  switch (action.type) {
    case 'check-started':
      return { ...state, running: action.name };
    case 'check':
      return { ...state, running: undefined, finished: [...state.finished, { kind: 'check', check: action }] };
    case 'spec-error':
      return {
        ...state,
        finished: [...state.finished, { kind: 'spec-error', error: { spec: action.spec, message: action.message } }],
      };
    case 'finished': {
      let finished = state.finished;
      if (finished.length === 0 && !action.interrupted) {
        // Nothing was reported: vitest itself failed (a missing spec, the global set-up): its output says why.
        const output =
          lastLines(stripVTControlCharacters(action.output).trim(), 30) ||
          'the checker exited without running any check';
        finished = [{ kind: 'spec-error', error: { spec: state.lab.spec, message: output } }];
      }
      const report = reportOf(state.lab, state.source, finished);
      if (action.interrupted) report.passed = false;
      return { ...state, finished, report, interrupted: action.interrupted === true };
    }
  }
}

function reportOf(lab: Lab, source: string, finished: Finished[]): CheckReport {
  const checks = finished.flatMap((item) => (item.kind === 'check' ? [item.check] : []));
  const specErrors = finished.flatMap((item) => (item.kind === 'spec-error' ? [item.error] : []));
  const passed = checks.length > 0 && specErrors.length === 0 && checks.every((check) => check.state === 'passed');
  return { lab: lab.id, source, passed, checks, specErrors };
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join('\n');
}

export function countPassed(report: CheckReport): number {
  return report.checks.filter((check) => check.state === 'passed').length;
}

/** Only the learner's own tree counts: a lab passes when all its checks (one at least) did, else it has not. */
export function progressAfter(progress: Progress, report: CheckReport, when: Date, interrupted = false): Progress {
  if (report.source !== 'labs' || interrupted) return progress;
  return report.passed ? markPassed(progress, report.lab, when) : markFailed(progress, report.lab);
}
