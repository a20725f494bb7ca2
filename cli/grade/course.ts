// What a grade depends on besides the submission: the course digest (a stored grade is reused only
// while it matches), and how many checks each lab has (for the progress bars).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Lab } from '../../chapters/manifest.ts';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';

/** The instructor's side of a grade: the manifest, the checker and its specs, the scaffolding and stubs, the native helper, the build. */
const COURSE_PARTS = ['chapters', 'checker', 'labs/src', 'native/shim.c', 'scripts/build/runtime.mjs'];

function filesUnder(path: string): string[] {
  try {
    return readdirSync(path, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [path]; // a file
  }
}

/** sha256 over those files (relative path, NUL, content, NUL, sorted by path) and the labs graded. */
export function courseDigest(labs: readonly Lab[], root = PROJECT_ROOT): string {
  const hash = createHash('sha256');
  const files = COURSE_PARTS.flatMap((part) => filesUnder(join(root, part)))
    .map((file) => relative(root, file))
    .filter((file) => !file.endsWith('.md')) // the chapters' text does not change a grade
    .sort();
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(root, file)))
      .update('\0');
  hash.update(`labs: ${labs.map((lab) => lab.id).join(',')}`);
  return hash.digest('hex');
}

/** The checks a lab's spec declares (`check('...'` at the start of a line), for a progress bar's total. */
export function declaredChecks(lab: Lab, root = PROJECT_ROOT): number {
  try {
    return readFileSync(join(root, lab.spec), 'utf8').match(/^\s*check\(/gm)?.length ?? 0;
  } catch {
    return 0;
  }
}
