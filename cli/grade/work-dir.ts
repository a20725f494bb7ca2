// The grader's scratch space: /var/tmp/lab-grade-<pid>-XXXXXX/, holding each submission's tree,
// extracted tarball, cloned bundle and temporary directory (the checker's state roots). It goes at
// the end, on Ctrl-C and on SIGTERM, with the runtime bundles built from its trees
// (.lab/build/tree-grade-*: listed in its bundles.txt, so that the next grader removes those of one
// killed with SIGKILL too).
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';

const PARENT = '/var/tmp';
const PREFIX = 'lab-grade-';

export class WorkDir {
  readonly path: string;
  private readonly bundleList: string;
  private removed = false;

  constructor() {
    removeStaleWorkDirs();
    this.path = mkdtempSync(join(PARENT, `${PREFIX}${process.pid}-`));
    this.bundleList = join(this.path, 'bundles.txt');
    // The trees' lesson modules import the project's dependencies (koffi, tar) by name, when vitest
    // loads them for a check: resolved from here, as from a tree inside the checkout.
    symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(this.path, 'node_modules'));
  }

  /** Remembers a bundle directory the build makes outside the work dir, to remove it with it. */
  addBundleDir(dir: string): void {
    appendFileSync(this.bundleList, dir + '\n');
  }

  remove(): void {
    if (this.removed) return;
    this.removed = true;
    removeWorkDir(this.path);
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
function removeStaleWorkDirs(): void {
  let names: string[] = [];
  try {
    names = readdirSync(PARENT);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (pid > 0 && !existsSync(`/proc/${pid}`)) removeWorkDir(join(PARENT, name));
  }
}
