// The grader's scratch space: /var/tmp/lab-grade-<pid>-XXXXXX/, holding each submission's tree,
// extracted tarball, cloned bundle and temporary directory (the checker's state roots). It goes at
// the end, on Ctrl-C and on SIGTERM, with the runtime bundles built from its trees
// (.lab/build/tree-grade-*: listed in its bundles.txt, so that the next grader removes those of one
// killed with SIGKILL too). With --vm it is in the project, .lab/grade/lab-grade-<pid>-XXXXXX/: the
// micro-VM's guest sees the host's files, but has a tmpfs of its own on /var/tmp (docs/vm.md).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';

const PREFIX = 'lab-grade-';
export const HOST_PARENT = '/var/tmp';
export const VM_PARENT = join(PROJECT_ROOT, '.lab', 'grade');

export class WorkDir {
  readonly path: string;
  private readonly bundleList: string;
  private removed = false;

  constructor(parent = HOST_PARENT) {
    for (const dir of [HOST_PARENT, VM_PARENT]) removeStaleWorkDirs(dir);
    mkdirSync(parent, { recursive: true });
    this.path = mkdtempSync(join(parent, `${PREFIX}${process.pid}-`));
    this.bundleList = join(this.path, 'bundles.txt');
    // The trees' lesson modules import the project's dependencies (koffi, tar) by name, when vitest
    // loads them for a check: resolved from here, as from a tree inside the checkout.
    if (parent === HOST_PARENT) symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(this.path, 'node_modules'));
  }

  /** Remembers a bundle directory the build makes outside the work dir, to remove it with it. */
  addBundleDir(dir: string): void {
    appendFileSync(this.bundleList, dir + '\n');
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    removeWorkDir(this.path);
    try {
      rmdirSync(VM_PARENT); // .lab/grade, made for this run, once no other grader uses it
    } catch {
      // not there, or in use
    }
  }
}

function removeWorkDir(path: string): void {
  let bundles: string[] = [];
  try {
    bundles = readFileSync(join(path, 'bundles.txt'), 'utf8').split('\n').filter(Boolean);
  } catch {
    // none built
  }
  for (const dir of bundles) {
    // Only what the grader made: a tree's bundle dir, nothing else a damaged list could name.
    if (dir.startsWith(join(PROJECT_ROOT, '.lab', 'build', 'tree-grade-')))
      rmSync(dir, { recursive: true, force: true });
  }
  rmSync(path, { recursive: true, force: true });
}

/** Work dirs of graders that are gone (stopped with SIGKILL), with their bundles. */
function removeStaleWorkDirs(parent: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (pid > 0 && !existsSync(`/proc/${pid}`)) removeWorkDir(join(parent, name));
  }
}
