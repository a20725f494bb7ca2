// <out>/junit.xml: the class as JUnit XML, the format CI systems and LMS importers read. One
// <testsuite> per submission (named by the learner), one <testcase> per check (classname
// `<learner>.<lab id>`); a submission that could not be graded is a suite whose one testcase holds an
// <error> with the problem. No time attributes: the same grades give the same bytes.
import type { ClassResult, GradedCheck, GradedLab, SubmissionResult } from '../result.ts';
import { totalsOf } from './totals.ts';
import { xmlAttribute, xmlText } from './xml.ts';

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

interface Case {
  classname: string;
  name: string;
  /** The element inside the testcase, if any: failure, error or skipped. */
  outcome?: { element: 'failure' | 'error' | 'skipped'; message: string; body?: string };
}

export function junitXml(result: ClassResult): string {
  const suites = result.submissions.map((submission) => suiteOf(submission, result.course));
  const all = sum(suites.map((suite) => suite.counts));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="lab grade"${countAttributes(all)}>`,
    ...suites.flatMap((suite) => suite.lines),
    '</testsuites>',
    '',
  ].join('\n');
}

function suiteOf(submission: SubmissionResult, course: ClassResult['course']) {
  const cases = casesOf(submission);
  const counts: Counts = {
    tests: cases.length,
    failures: cases.filter((c) => c.outcome?.element === 'failure').length,
    errors: cases.filter((c) => c.outcome?.element === 'error').length,
    skipped: cases.filter((c) => c.outcome?.element === 'skipped').length,
  };
  const totals = totalsOf(submission, course);
  const properties: [string, string][] = [
    ['status', submission.status],
    ['points', `${totals.earned}/${totals.max}`],
    ['source', submission.source],
    ['kind', submission.kind],
  ];
  if (submission.digest !== undefined) properties.push(['digest', submission.digest]);
  const lines = [
    `  <testsuite name="${xmlAttribute(submission.learner)}"${countAttributes(counts)}>`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${name}" value="${xmlAttribute(value)}"/>`),
    '    </properties>',
    ...cases.map(caseXml),
  ];
  if (submission.notes.length > 0) {
    lines.push(`    <system-out>${xmlText(submission.notes.join('\n'))}</system-out>`);
  }
  lines.push('  </testsuite>');
  return { counts, lines };
}

function casesOf(submission: SubmissionResult): Case[] {
  const cases: Case[] = [];
  if (submission.status !== 'graded') {
    const problem = submission.problem ?? submission.status;
    cases.push({
      classname: submission.learner,
      name: submission.status,
      outcome: { element: 'error', message: problem },
    });
  }
  for (const lab of submission.labs) {
    const classname = `${submission.learner}.${lab.id}`;
    for (const check of lab.checks) cases.push({ classname, name: check.name, outcome: outcomeOf(check, lab) });
    if (lab.problem !== undefined) {
      cases.push({ classname, name: 'lab problem', outcome: { element: 'error', message: lab.problem } });
    }
  }
  return cases;
}

function outcomeOf(check: GradedCheck, lab: GradedLab): Case['outcome'] {
  switch (check.state) {
    case 'passed':
      return undefined;
    case 'failed': {
      const message = check.message ?? 'failed';
      const hint = check.hint === undefined ? '' : `\n\nhint ${check.hint} may help: \`lab hint ${lab.id}\``;
      return { element: 'failure', message, body: message + hint };
    }
    case 'skipped':
      return { element: 'skipped', message: 'skipped by the checker' };
    case 'not run':
      return { element: 'skipped', message: 'not run: the checker stopped before this check finished' };
  }
}

function caseXml({ classname, name, outcome }: Case): string {
  const open = `    <testcase classname="${xmlAttribute(classname)}" name="${xmlAttribute(name)}"`;
  if (outcome === undefined) return `${open}/>`;
  const element = `<${outcome.element} message="${xmlAttribute(outcome.message)}"`;
  const inner =
    outcome.body === undefined ? `${element}/>` : `${element}>${xmlText(outcome.body)}</${outcome.element}>`;
  return `${open}>${inner}</testcase>`;
}

function countAttributes(counts: Counts): string {
  return ` tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}"`;
}

function sum(counts: Counts[]): Counts {
  return counts.reduce(
    (total, c) => ({
      tests: total.tests + c.tests,
      failures: total.failures + c.failures,
      errors: total.errors + c.errors,
      skipped: total.skipped + c.skipped,
    }),
    { tests: 0, failures: 0, errors: 0, skipped: 0 },
  );
}
