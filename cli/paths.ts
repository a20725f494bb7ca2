// Where the workbook's files are. The project root is found from this file's own location, which
// stays right once bundled (scripts/build/lab.mjs rewrites import.meta.url to the source file's URL).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/** The progress file: `.lab/progress.json`, or LAB_PROGRESS_FILE (tests and graders use their own). */
export function progressFile(): string {
  return process.env.LAB_PROGRESS_FILE || join(projectRoot, '.lab', 'progress.json');
}

/** A lab file in the learner's tree, as the learner types it: `labs/src/container/proc.ts`. */
export function labsPath(file: string): string {
  return `labs/${file}`;
}

export function solutionsPath(file: string): string {
  return `solutions/${file}`;
}

export function absolute(relativePath: string): string {
  return join(projectRoot, relativePath);
}
