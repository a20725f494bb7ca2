// A submission's points, the same in every report: what its labs earned, out of what the course's
// graded labs are worth (a submission that could not be graded has no labs, and still that maximum).
import type { ClassResult, SubmissionResult } from '../result.ts';

export interface Totals {
  earned: number;
  max: number;
}

export function totalsOf(submission: SubmissionResult, course: ClassResult['course']): Totals {
  return {
    earned: submission.labs.reduce((sum, lab) => sum + lab.earned, 0),
    max: course.labs.reduce((sum, lab) => sum + lab.points, 0),
  };
}

/** The lab's mark in a submission: its GradedLab, or nothing when the submission has none (unreadable, missing). */
export function labOf(submission: SubmissionResult, labId: string) {
  return submission.labs.find((lab) => lab.id === labId);
}
