// <out>/gradebook.md and <out>/gradebook.csv: one row per learner, one column per lab (passed or not,
// or why the submission has no mark), and the points out of the maximum. The Markdown is what the
// instructor (and GitHub's job summary) reads; the CSV is for a spreadsheet or an LMS import.
import type { ClassResult, SubmissionResult } from '../result.ts';
import { markdownInline } from './markdown.ts';
import { labOf, totalsOf } from './totals.ts';

/** A lab's cell: passed, failed, or (no GradedLab: unreadable, missing) the submission's status. */
function labCell(submission: SubmissionResult, labId: string, passed: string, failed: string): string {
  const lab = labOf(submission, labId);
  if (lab === undefined) return submission.status;
  return lab.passed ? passed : failed;
}

export function gradebookMarkdown(result: ClassResult): string {
  const labs = result.course.labs;
  const header = ['learner', 'status', ...labs.map((lab) => `${lab.id} (${lab.points})`), 'points'];
  const align = ['---', '---', ...labs.map(() => ':-:'), '--:'];
  const rows = result.submissions.map((submission) => {
    const totals = totalsOf(submission, result.course);
    return [
      markdownInline(submission.learner),
      submission.status,
      ...labs.map((lab) => labCell(submission, lab.id, '✓', '✗')),
      `${totals.earned} / ${totals.max}`,
    ];
  });
  const problems = result.submissions.filter((submission) => submission.problem !== undefined);
  const lines = [
    '# Gradebook',
    '',
    `${count(result.submissions.length, 'submission')}, ${count(labs.length, 'lab')}; course \`${result.course.digest.slice(0, 12)}\`.`,
    '✓ every check of the lab passed (its points earned), ✗ not; a lab is worth the points beside its id.',
    '',
    ...[header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`),
  ];
  if (problems.length > 0) {
    lines.push('', '## Problems', '');
    for (const submission of problems) {
      lines.push(
        `- ${markdownInline(submission.learner)} (${submission.status}): ${markdownInline(submission.problem ?? '')}`,
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** RFC 4180: CRLF line ends; a field with a comma, a quote, CR or LF in double quotes, its quotes doubled. */
export function gradebookCsv(result: ClassResult): string {
  const labs = result.course.labs;
  const header = ['learner', 'status', ...labs.map((lab) => lab.id), 'points', 'max_points'];
  const rows = result.submissions.map((submission) => {
    const totals = totalsOf(submission, result.course);
    return [
      submission.learner,
      submission.status,
      ...labs.map((lab) => labCell(submission, lab.id, 'passed', 'failed')),
      String(totals.earned),
      String(totals.max),
    ];
  });
  return [header, ...rows].map((cells) => cells.map(csvField).join(',') + '\r\n').join('');
}

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula
 * (OWASP's "CSV injection"): such a field gets a leading ' so that it stays text.
 */
export function csvField(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
