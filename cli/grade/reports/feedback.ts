// <out>/feedback/<learner>.md: what one learner reads back. Each lab: passed or not and its points;
// each check that did not pass with its message and the hint that helps, named as the command that
// shows it (`lab hint <lab>`), not its text: the hints are staged, and the learner reveals them.
import type { ClassResult, GradedLab, SubmissionResult } from '../result.ts';
import { markdownCodeBlock, markdownInline } from './markdown.ts';
import { totalsOf } from './totals.ts';

const STATUS_LINE: Record<SubmissionResult['status'], string> = {
  graded: 'graded',
  'build-failed': 'not graded: your runtime does not build, so every lab earned 0',
  unreadable: 'not graded: the submission could not be read',
  'over-budget': 'stopped: it ran out of its time or memory budget; what finished before counts',
  missing: 'not graded: no submission came',
};

export function feedbackMarkdown(submission: SubmissionResult, course: ClassResult['course']): string {
  const totals = totalsOf(submission, course);
  const lines = [
    `# Feedback for ${markdownInline(submission.learner)}`,
    '',
    `Status: ${STATUS_LINE[submission.status]}.`,
    `Points: ${totals.earned} of ${totals.max}.`,
  ];
  if (submission.problem !== undefined) lines.push('', 'Problem:', '', markdownCodeBlock(submission.problem));
  if (submission.notes.length > 0) {
    lines.push('', 'Notes:', '', ...submission.notes.map((note) => `- ${markdownInline(note)}`));
  }
  for (const lab of submission.labs) lines.push('', ...labSection(lab));
  lines.push('');
  return lines.join('\n');
}

function labSection(lab: GradedLab): string[] {
  const passedChecks = lab.checks.filter((check) => check.state === 'passed').length;
  const points = `${lab.earned} of ${lab.points} ${lab.points === 1 ? 'point' : 'points'}`;
  const checks = lab.checks.length === 0 ? '' : `; ${passedChecks} of ${lab.checks.length} checks passed`;
  const lines = [
    `## ${lab.id}: ${markdownInline(lab.title)} (chapter ${lab.chapter})`,
    '',
    `${lab.passed ? 'Passed' : 'Not passed yet'}: ${points}${checks}.`,
  ];
  if (lab.problem !== undefined) lines.push('', `Problem: ${markdownInline(lab.problem)}`);
  const open = lab.checks.filter((check) => check.state !== 'passed');
  if (open.length > 0) lines.push('');
  for (const check of open) {
    lines.push(`- ${check.state}: ${markdownInline(check.name)}`);
    if (check.hint !== undefined) lines.push(`  - hint ${check.hint} may help: \`lab hint ${lab.id}\``);
    if (check.message !== undefined) lines.push('', markdownCodeBlock(check.message, '  '));
  }
  return lines;
}
