// The tree a submission is graded on: the instructor's labs/ (its scaffolding, and the stubs of what
// the submission lacks) with the submission's lab files written over it, and nothing else of the
// submission. The checker, the specs, the manifest and the native helper are the instructor's, as
// they always are (they live outside labs/), so a submission that edits them gains nothing.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import { bundlePath } from '../../scripts/build.mjs';
import type { LabFileRead } from './lab-files.ts';

/** `grade-<learner>-<first 8 of its digest>`: unique, so its bundle dir (.lab/build/tree-<name>) is too. */
export function treeName(learner: string, digest: string): string {
  return `grade-${learner}-${digest.slice(0, 8)}`;
}

export function makeTree(
  workDir: string,
  learner: string,
  digest: string,
  reads: ReadonlyMap<string, LabFileRead>,
): string {
  const tree = join(workDir, treeName(learner, digest));
  rmSync(tree, { recursive: true, force: true });
  cpSync(join(PROJECT_ROOT, 'labs', 'src'), join(tree, 'src'), { recursive: true });
  for (const [file, read] of reads) {
    if (!('content' in read)) continue;
    const path = join(tree, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, read.content);
  }
  return tree;
}

/** The bundle directory the build makes for a tree (scripts/build/runtime.mjs), removed with the work dir. */
export function treeBundleDir(tree: string): string {
  return dirname(bundlePath(tree));
}
