// The Classroom workflow's verdict on one learner (scripts/classroom/grade.sh runs it after `lab
// grade`): reads results.json, prints one line, marks each lab not passed as a GitHub annotation,
// sets the step's outputs (points, max-points, and result: the same marks in the shape GitHub
// Classroom's grading reporter reads) and exits 1 unless every lab of the assignment passed.
// Usage: node scripts/classroom/verdict.ts RESULTS_JSON (of one submission: the script grades one)
import { appendFileSync, readFileSync } from 'node:fs';
import type { ClassResult, SubmissionResult } from '../../cli/grade/result.ts';

export interface Verdict {
  passed: boolean;
  /** The one line for the log. */
  line: string;
  /** One workflow command each (https://docs.github.com/actions/reference/workflow-commands). */
  annotations: string[];
  points: number;
  maxPoints: number;
}

export function verdictOf(result: ClassResult): Verdict {
  const maxPoints = result.course.labs.reduce((sum, lab) => sum + lab.points, 0);
  const [submission, ...more] = result.submissions;
  if (submission === undefined || more.length > 0) {
    const line = `the results hold ${result.submissions.length} submissions, not the one graded`;
    return { passed: false, line, annotations: [annotation('not graded', line)], points: 0, maxPoints };
  }
  const learner = submission.learner;
  const points = submission.labs.reduce((sum, lab) => sum + lab.earned, 0);
  const failing = result.course.labs.filter((lab) => !submission.labs.find((graded) => graded.id === lab.id)?.passed);
  const passed = submission.status === 'graded' && failing.length === 0;
  const annotations = failing.map((lab) => annotation(`${lab.id} not passed`, labMessage(submission, lab.id)));
  if (submission.status !== 'graded') annotations.unshift(annotation(submission.status, submission.problem ?? ''));
  const labsPassed = result.course.labs.length - failing.length;
  const line =
    `${learner}: ${submission.status}, ${labsPassed} of ${result.course.labs.length} labs passed, ` +
    `${points} of ${maxPoints} points` +
    (failing.length > 0 ? `; not passed: ${failing.map((lab) => lab.id).join(', ')}` : '');
  return { passed, line, annotations, points, maxPoints };
}

function labMessage(submission: SubmissionResult, labId: string): string {
  const lab = submission.labs.find((graded) => graded.id === labId);
  if (lab === undefined) return submission.problem ?? submission.status;
  const passed = lab.checks.filter((check) => check.state === 'passed').length;
  const first = lab.checks.find((check) => check.state !== 'passed');
  const detail = first === undefined ? (lab.problem ?? '') : `first: ${first.name} (${first.state})`;
  return `${passed} of ${lab.checks.length} checks passed; ${detail}; the job summary and the grades artifact say more`;
}

/**
 * The marks as GitHub Classroom's autograding reporter reads a runner's result (the base64 JSON of
 * a step output `result`: its status, max_score, and tests with a status and a score each; read from
 * github-education-resources/autograding-grading-reporter's source, src/notify-classroom.js and
 * aggregate-results.js: it adds the tests' scores up against max_score). One test per lab, scored
 * with the lab's points, so Classroom's total is the gradebook's.
 */
export function classroomResult(result: ClassResult) {
  const submission = result.submissions.length === 1 ? result.submissions[0] : undefined;
  const tests = result.course.labs.map((lab) => {
    const graded = submission?.labs.find((candidate) => candidate.id === lab.id);
    const passed = graded?.passed === true;
    return {
      name: `${lab.id}: ${lab.title}`,
      status: passed ? 'pass' : 'fail',
      score: passed ? lab.points : 0,
      ...(!passed && { message: submission ? labMessage(submission, lab.id) : 'not graded' }),
    };
  });
  return {
    version: 1,
    status: submission?.status !== 'graded' ? 'error' : tests.every((test) => test.status === 'pass') ? 'pass' : 'fail',
    max_score: result.course.labs.reduce((sum, lab) => sum + lab.points, 0),
    tests,
  };
}

/** `::error title=T::M`: GitHub's escapes (% CR LF everywhere, and : , in a property). */
function annotation(title: string, message: string): string {
  const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::error title=${property(title)}::${data(message)}`;
}

if (import.meta.main) {
  const [resultsFile, ...rest] = process.argv.slice(2);
  if (resultsFile === undefined || rest.length > 0) {
    process.stderr.write('usage: node scripts/classroom/verdict.ts RESULTS_JSON\n');
    process.exit(2);
  }
  const result = JSON.parse(readFileSync(resultsFile, 'utf8')) as ClassResult;
  const verdict = verdictOf(result);
  for (const line of verdict.annotations) process.stdout.write(line + '\n');
  process.stdout.write(`classroom: ${verdict.line}\n`);
  if (process.env.GITHUB_OUTPUT) {
    const classroom = Buffer.from(JSON.stringify(classroomResult(result))).toString('base64');
    appendFileSync(
      process.env.GITHUB_OUTPUT,
      `points=${verdict.points}\nmax-points=${verdict.maxPoints}\nresult=${classroom}\n`,
    );
  }
  process.exitCode = verdict.passed ? 0 : 1;
}
