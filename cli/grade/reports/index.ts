// `lab grade`'s reports, written from its ClassResult (cli/grade/result.ts): junit.xml, results.json,
// gradebook.md, gradebook.csv and one feedback/<learner>.md each. Also gradeLabs, which makes the
// GradedLabs of a submission from the checker's events, and isSafeLearnerId, which the grader asks
// before it takes a submission's name as a learner's.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassResult } from '../result.ts';
import { feedbackMarkdown } from './feedback.ts';
import { gradebookCsv, gradebookMarkdown } from './gradebook.ts';
import { junitXml } from './junit.ts';
import { isSafeLearnerId, unsafeLearnerIdProblem } from './learner-id.ts';
import { resultsJson } from './results-json.ts';

export { gradeLabs } from './grade-labs.ts';
export { isSafeLearnerId, unsafeLearnerIdProblem } from './learner-id.ts';
export { feedbackMarkdown, gradebookCsv, gradebookMarkdown, junitXml, resultsJson };

/**
 * Writes every report under `outDir` (made if needed) and returns the paths written, in that order.
 * Each file is written whole or not at all (a temporary file renamed over it), so a reader, or a
 * run stopped half-way, never sees half a report. Refuses, before it writes anything, a result whose
 * learner ids cannot name files or name one file twice.
 */
export function writeReports(result: ClassResult, outDir: string): string[] {
  const seen = new Set<string>();
  for (const { learner } of result.submissions) {
    if (!isSafeLearnerId(learner)) throw new Error(unsafeLearnerIdProblem(learner));
    if (seen.has(learner)) throw new Error(`learner id ${JSON.stringify(learner)} is in the class twice`);
    seen.add(learner);
  }
  const files: [string, string][] = [
    ['junit.xml', junitXml(result)],
    ['results.json', resultsJson(result)],
    ['gradebook.md', gradebookMarkdown(result)],
    ['gradebook.csv', gradebookCsv(result)],
    ...result.submissions.map((submission): [string, string] => [
      join('feedback', `${submission.learner}.md`),
      feedbackMarkdown(submission, result.course),
    ]),
  ];
  mkdirSync(join(outDir, 'feedback'), { recursive: true });
  return files.map(([name, text]) => writeWhole(join(outDir, name), text));
}

function writeWhole(path: string, text: string): string {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return path;
}
