// The scaffolding of labs/: every file of labs/ except the lab files (the stubs, each lab's `files`
// in chapters/manifest.ts) is generated from solutions/, so that only the lesson files are written
// twice. `npm run dev-update` (cli/dev/update.ts) writes it, `npm run check-all` and the dev check
// prove it is in step. solutions/ is the one source: an edit of scaffolding in labs/ is overwritten.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The command that brings labs/ in step; every drift message names it. */
export const UPDATE_COMMAND = 'npm run dev-update';

/**
 * One file of labs/ that the update would write:
 * - `new`: in solutions/ only, copied;
 * - `changed`: its content differs, overwritten;
 * - `mode`: same content, different permission bits (a script must stay executable), chmod-ed;
 * - `stale`: in labs/ only and no lab file, removed;
 * - `stub`: a lab file missing from labs/: its stub starts as a copy of the solution, to be turned
 *   into the stub by hand (an existing lab file is never touched).
 */
export interface Drift {
  /** Relative to labs/ and solutions/, as the manifest writes lab files: `src/container/proc.ts`. */
  file: string;
  kind: 'new' | 'changed' | 'mode' | 'stale' | 'stub';
}

export interface Trees {
  labs: string;
  solutions: string;
  /** The lab files, relative to the trees (the manifest's `files` of every lab). */
  labFiles: ReadonlySet<string>;
}

/** Every regular file under dir, relative to it, sorted. Anything else (a symlink, a fifo) is refused. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = relative(dir, join(entry.parentPath, entry.name));
    if (entry.isFile()) files.push(path);
    else if (!entry.isDirectory())
      throw new Error(`${join(dir, path)} is not a regular file or a directory: the scaffolding holds only files`);
  }
  return files.sort();
}

/** Permission bits, with setuid/setgid/sticky: what `chmod` sets. */
function modeOf(path: string): number {
  return statSync(path).mode & 0o7777;
}

/** What the update would change in labs/, file by file, sorted by path. */
export function scaffoldDrift(trees: Trees): Drift[] {
  const inLabs = new Set(filesUnder(trees.labs));
  const inSolutions = new Set(filesUnder(trees.solutions));
  const drifts: Drift[] = [];
  for (const file of [...new Set([...inLabs, ...inSolutions])].sort()) {
    const lab = join(trees.labs, file);
    const solution = join(trees.solutions, file);
    if (trees.labFiles.has(file)) {
      if (!inLabs.has(file) && inSolutions.has(file)) drifts.push({ file, kind: 'stub' });
    } else if (!inLabs.has(file)) {
      drifts.push({ file, kind: 'new' });
    } else if (!inSolutions.has(file)) {
      drifts.push({ file, kind: 'stale' });
    } else if (!readFileSync(lab).equals(readFileSync(solution))) {
      drifts.push({ file, kind: 'changed' });
    } else if (modeOf(lab) !== modeOf(solution)) {
      drifts.push({ file, kind: 'mode' });
    }
  }
  return drifts;
}

/** Makes labs/ what scaffoldDrift() says it should be. Lab files that exist are left alone. */
export function applyDrift(trees: Trees, drifts: readonly Drift[]): void {
  for (const { file, kind } of drifts) {
    const lab = join(trees.labs, file);
    const solution = join(trees.solutions, file);
    if (kind === 'stale') {
      rmSync(lab);
      removeEmptyParents(trees.labs, dirname(lab));
      continue;
    }
    if (kind !== 'mode') {
      mkdirSync(dirname(lab), { recursive: true });
      copyFileSync(solution, lab);
    }
    chmodSync(lab, modeOf(solution)); // copyFileSync keeps the mode only of a file it creates
  }
}

/** A removed file's directories, up to (not including) root, while they are empty. */
function removeEmptyParents(root: string, dir: string): void {
  while (dir !== root && dir.startsWith(root) && readdirSync(dir).length === 0) {
    rmdirSync(dir);
    dir = dirname(dir);
  }
}

/** One line for a drift, as `--check` and the dev check print it. */
export function describeDrift({ file, kind }: Drift): string {
  const lab = `labs/${file}`;
  const solution = `solutions/${file}`;
  switch (kind) {
    case 'new':
      return `${lab} is missing (${solution} is scaffolding, not a lab file)`;
    case 'changed':
      return `${lab} differs from ${solution} but belongs to no lab (scaffolding must be identical)`;
    case 'mode':
      return `${lab} has other permissions than ${solution}`;
    case 'stale':
      return `${lab} is not in solutions/ and belongs to no lab`;
    case 'stub':
      return `${lab}, a lab file, is missing (the update starts its stub as a copy of ${solution})`;
  }
}
