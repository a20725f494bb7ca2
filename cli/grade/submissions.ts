// What the command line names: each argument is a submission or a class directory (a directory that
// is neither a clone nor a git repository: each entry in it is one submission, in name order). A
// submission is a directory with labs/ (a clone, 'git' when it has .git), a bare git repository, a
// git bundle, or a tarball. Nothing is read here beyond what tells them apart.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { SubmissionResult } from './result.ts';

export type SubmissionKind = Exclude<SubmissionResult['kind'], 'none'>;

export interface FoundSubmission {
  learner: string;
  /** As typed, or `<class dir>/<entry>`. */
  source: string;
  path: string;
  kind: SubmissionKind;
  /** For 'git': the git directory (`<clone>/.git`, or the bare repository itself). */
  gitDir?: string;
}

/** A name that is no submission: reported as the learner's, one line. */
export interface BadSubmission {
  learner: string;
  source: string;
  problem: string;
}

const EXTENSIONS = ['.tar.gz', '.tgz', '.tar', '.bundle', '.git'];
const TARBALL = /\.(tar|tar\.gz|tgz)$/;

/** The learner id a submission's name gives: the name without .tar.gz, .tgz, .tar, .bundle or .git. */
export function learnerIdOf(path: string): string {
  const name = basename(path.replace(/\/+$/, ''));
  const extension = EXTENSIONS.find((ext) => name.endsWith(ext) && name.length > ext.length);
  return extension ? name.slice(0, -extension.length) : name;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isBareRepository(path: string): boolean {
  return existsSync(join(path, 'HEAD')) && isDirectory(join(path, 'objects')) && isDirectory(join(path, 'refs'));
}

type Classified = FoundSubmission | BadSubmission | { classDir: string };

function classify(source: string, path: string, topLevel: boolean): Classified {
  const learner = learnerIdOf(path);
  if (!existsSync(path)) return { learner, source, problem: `${source} does not exist: check the path` };
  if (isDirectory(path)) {
    const hasLabs = isDirectory(join(path, 'labs'));
    if (existsSync(join(path, '.git'))) return { learner, source, path, kind: 'git', gitDir: join(path, '.git') };
    if (hasLabs) return { learner, source, path, kind: 'directory' };
    if (isBareRepository(path)) return { learner, source, path, kind: 'git', gitDir: path };
    if (topLevel) return { classDir: path };
    return { learner, source, problem: `${source} has no labs/ and is no git repository: not a clone of this course` };
  }
  if (path.endsWith('.bundle')) return { learner, source, path, kind: 'bundle' };
  if (TARBALL.test(path)) return { learner, source, path, kind: 'tarball' };
  return {
    learner,
    source,
    problem: `${source} is not a directory, a git bundle (.bundle) or a tarball (.tar, .tar.gz, .tgz)`,
  };
}

export interface Intake {
  found: FoundSubmission[];
  bad: BadSubmission[];
  /** Lines for stderr: what was passed over, and why. */
  warnings: string[];
}

/** Every submission the arguments name, each learner once (the first by name order wins, with a warning). */
export function findSubmissions(args: readonly string[], cwd = process.cwd()): Intake {
  const intake: Intake = { found: [], bad: [], warnings: [] };
  const seen = new Map<string, string>();
  const add = (item: FoundSubmission | BadSubmission): void => {
    const first = seen.get(item.learner);
    if (first !== undefined) {
      intake.warnings.push(
        `two submissions of learner '${item.learner}' (${first} and ${item.source}): ${item.source} is left out`,
      );
      return;
    }
    seen.set(item.learner, item.source);
    if ('problem' in item) intake.bad.push(item);
    else intake.found.push(item);
  };
  for (const arg of args) {
    const classified = classify(arg, resolve(cwd, arg), true);
    if (!('classDir' in classified)) {
      add(classified);
      continue;
    }
    const entries = readdirSync(classified.classDir).sort();
    const inside = entries.filter((name) => !name.startsWith('.'));
    if (inside.length === 0) intake.warnings.push(`${arg} is an empty directory: no submission in it`);
    for (const name of inside) {
      const source = join(arg, name);
      const path = join(classified.classDir, name);
      const entry = classify(source, path, false);
      if ('classDir' in entry) continue; // not reached: only the top level is a class directory
      // A stray file beside the submissions (a roster, notes) is passed over, not graded as a learner.
      if ('problem' in entry && !isDirectory(path)) {
        intake.warnings.push(`${source} is passed over: not a directory, a git bundle or a tarball`);
        continue;
      }
      add(entry);
    }
  }
  return intake;
}
