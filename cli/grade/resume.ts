// Resuming: each submission's result is kept in <out>/.graded/<learner>.json as soon as it is
// graded, with the digest of its lab files and the course's. A later run reuses it while both
// digests match (unless --force): a class interrupted half-way, or one late submission added, is
// graded again only where something changed. Only outcomes that the same input always gives are
// kept ('graded', 'build-failed'); a budget that ran out is tried again.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SubmissionResult } from './result.ts';

interface StoredGrade {
  courseDigest: string;
  result: SubmissionResult;
}

export function gradedDir(outDir: string): string {
  return join(outDir, '.graded');
}

export function loadGraded(
  outDir: string,
  learner: string,
  digest: string,
  courseDigest: string,
): SubmissionResult | undefined {
  try {
    const stored = JSON.parse(readFileSync(join(gradedDir(outDir), `${learner}.json`), 'utf8')) as StoredGrade;
    if (stored.courseDigest !== courseDigest || stored.result?.digest !== digest || stored.result.learner !== learner)
      return undefined;
    return stored.result;
  } catch {
    return undefined; // none, or damaged: grade it again
  }
}

export function isResumable(result: SubmissionResult): boolean {
  return (result.status === 'graded' || result.status === 'build-failed') && result.digest !== undefined;
}

export function saveGraded(outDir: string, result: SubmissionResult, courseDigest: string): void {
  if (!isResumable(result)) return;
  const dir = gradedDir(outDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.learner}.json`);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ courseDigest, result } satisfies StoredGrade, null, 2) + '\n');
  renameSync(temporary, file);
}
