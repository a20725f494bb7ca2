// Which runtime the checker drives: the learner's (labs/, the default) or the reference
// (MYDOCKER_SOURCE=solutions), and where its files are.
import { join } from 'node:path';
import { projectRoot, sourceDir } from '../../scripts/build.mjs';

/** The checkout: one source for it, scripts/build/paths.mjs (the builds, the lab CLI and the checker). */
export const PROJECT_ROOT = projectRoot;

/** 'labs', 'solutions', or the absolute path of a tree with the same layout (see scripts/build/runtime.mjs). */
export function targetSource(): string {
  return process.env.MYDOCKER_SOURCE ?? 'labs';
}

/** Imports one of the target's TypeScript modules, for the checks that call lesson functions directly. */
export async function importTarget<T>(path: string): Promise<T> {
  return (await import(join(sourceDir(targetSource()), 'src', path))) as T;
}
