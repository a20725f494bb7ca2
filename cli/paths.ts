// Where the workbook's files are. The project root is scripts/build/paths.mjs's, found from that
// file's own location, which stays right once bundled (the lab bundle imports the build scripts from
// their place in the checkout: scripts/build/lab.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../scripts/build/paths.mjs';

export { projectRoot };

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

/** A project file's text (path relative to the root), or undefined when there is none to read. */
export function readProjectText(relativePath: string): string | undefined {
  try {
    return readFileSync(absolute(relativePath), 'utf8');
  } catch {
    return undefined;
  }
}
