// What the grader tells its screen, and the screen's state: one row per submission (its stage, a
// bar of checks done out of the checks its labs declare), and the finished results. One pure reducer,
// so that the ink view and the plain lines (no terminal) draw the same thing.
import type { SubmissionResult } from './result.ts';

export type GradeStage = 'waiting' | 'reading' | 'building' | 'checking' | 'done';

export type GradeProgressEvent =
  | { type: 'planned'; learners: string[]; checksPerSubmission: number }
  | { type: 'stage'; learner: string; stage: Exclude<GradeStage, 'done'> }
  | { type: 'check-done'; learner: string }
  | { type: 'finished'; learner: string; result: SubmissionResult; resumed: boolean };

export interface SubmissionRow {
  learner: string;
  stage: GradeStage;
  checksDone: number;
  checksTotal: number;
  result?: SubmissionResult;
  resumed?: boolean;
}

export interface GradeProgress {
  rows: SubmissionRow[];
}

export const initialProgress: GradeProgress = { rows: [] };

function updateRow(
  state: GradeProgress,
  learner: string,
  change: (row: SubmissionRow) => SubmissionRow,
): GradeProgress {
  return { rows: state.rows.map((row) => (row.learner === learner ? change(row) : row)) };
}

export function reduceProgress(state: GradeProgress, event: GradeProgressEvent): GradeProgress {
  switch (event.type) {
    case 'planned':
      return {
        rows: event.learners.map((learner) => ({
          learner,
          stage: 'waiting',
          checksDone: 0,
          checksTotal: event.checksPerSubmission,
        })),
      };
    case 'stage':
      return updateRow(state, event.learner, (row) => ({ ...row, stage: event.stage }));
    case 'check-done':
      return updateRow(state, event.learner, (row) => ({
        ...row,
        checksDone: row.checksDone + 1,
        checksTotal: Math.max(row.checksTotal, row.checksDone + 1),
      }));
    case 'finished':
      return updateRow(state, event.learner, (row) => ({
        ...row,
        stage: 'done',
        result: event.result,
        resumed: event.resumed,
      }));
  }
}

export function pointsOf(result: SubmissionResult): { earned: number; total: number } {
  return {
    earned: result.labs.reduce((sum, lab) => sum + lab.earned, 0),
    total: result.labs.reduce((sum, lab) => sum + lab.points, 0),
  };
}

/** One line for a finished submission: what the plain output prints, and the ink row's end. */
export function summaryLine(result: SubmissionResult, resumed = false): string {
  const { earned, total } = pointsOf(result);
  const labs = result.labs.map((lab) => `${lab.id} ${lab.passed ? '✓' : '✗'}`).join(', ');
  const status =
    result.status === 'graded' ? `${earned}/${total} points` : `${result.status}, ${earned}/${total} points`;
  return `${result.learner}: ${status}${labs ? ` (${labs})` : ''}${resumed ? ', graded before' : ''}${result.problem ? `: ${result.problem}` : ''}`;
}
