// Writes the entries node-tar's parser reads into a layer directory, with synchronous calls and no
// more of them than GNU tar makes: create, write, chown when the owner is not root, set the time,
// close. node-tar's own Unpack also stats every entry and makes every entry's parent (recursive
// mkdir), which made an import 6x slower than `tar -x` (docs/benchmarks.md). Here the layer is a
// fresh directory: a name that exists already (an entry replacing an earlier one) or a parent that
// is missing shows up as EEXIST or ENOENT, and only then is it dealt with.
//
// Every path comes from LayerPaths (normalized, relative, never below a symbolic link of the layer),
// and no call here follows a symbolic link in its last component: O_CREAT|O_EXCL, mkdir, symlink,
// link, lchown, lutimes. So nothing is written outside the layer directory.
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ReadEntry } from 'tar';
import { ancestors } from './layer-paths.ts';

export interface DirectoryFixup {
  path: string;
  mode: number;
  mtime?: Date;
}

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class LayerWriter {
  /** Directories get their modes (setgid, which mkdir ignores) and times last, after their contents. */
  readonly directories: DirectoryFixup[] = [];
  private readonly dir: string;
  private readonly uid = process.getuid?.() ?? 0;
  private readonly gid = process.getgid?.() ?? 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** One admitted entry (its path normalized by LayerPaths). Calls `fail` instead of throwing. */
  write(entry: ReadEntry, fail: (error: Error) => void): void {
    const path = entry.path;
    // Concatenation, not path.join: the path is normalized already, and join costs 3% of an import.
    const absolute = path === '.' ? this.dir : `${this.dir}/${path}`;
    const mode = (entry.mode ?? (entry.type === 'Directory' ? 0o755 : 0o644)) & 0o7777;
    try {
      switch (entry.type) {
        case 'Directory':
        case 'GNUDumpDir':
          if (path !== '.') this.create(path, () => mkdirSync(absolute, mode & 0o1777), true);
          this.chown(absolute, entry, lchownSync);
          this.directories.push({ path, mode, mtime: entry.mtime });
          return void entry.resume();
        case 'SymbolicLink':
          this.create(path, () => symlinkSync(entry.linkpath ?? '', absolute));
          this.chown(absolute, entry, lchownSync);
          if (entry.mtime) lutimesSync(absolute, entry.atime ?? entry.mtime, entry.mtime);
          return void entry.resume();
        case 'Link':
          this.create(path, () => linkSync(join(this.dir, entry.linkpath ?? ''), absolute));
          return void entry.resume();
        default:
          return this.file(entry, absolute, mode, fail);
      }
    } catch (error) {
      fail(named(error, path));
      entry.resume();
    }
  }

  private file(entry: ReadEntry, absolute: string, mode: number, fail: (error: Error) => void): void {
    let fd = -1;
    this.create(entry.path, () => (fd = openSync(absolute, CREATE, mode)));
    let failed = false;
    entry.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
      } catch (error) {
        failed = true;
        fail(named(error, entry.path));
      }
    });
    entry.on('end', () => {
      try {
        if (!failed) {
          // chown clears the setuid and setgid bits: the mode goes on after it.
          if (this.chown(fd, entry, fchownSync) && mode & 0o6000) fchmodSync(fd, mode);
          if (entry.mtime) futimesSync(fd, entry.atime ?? entry.mtime, entry.mtime);
        }
      } catch (error) {
        fail(named(error, entry.path));
      } finally {
        closeSync(fd);
      }
    });
  }

  /**
   * Makes one name. EEXIST: an earlier entry made it, this one replaces it (a directory stays a
   * directory). ENOENT: the tar did not list a parent directory; make it, as tar does, 0755.
   */
  private create(path: string, make: () => void, isDirectory = false): void {
    try {
      return make();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') this.makeParents(path);
      else if (code === 'EEXIST') {
        const absolute = join(this.dir, path);
        const existing = lstatSync(absolute);
        if (existing.isDirectory()) {
          if (isDirectory) return;
          rmdirSync(absolute); // ENOTEMPTY: a directory with files is not replaced by a file
        } else unlinkSync(absolute);
      } else throw error;
    }
    make();
  }

  private makeParents(path: string): void {
    for (const parent of ancestors(path)) {
      try {
        mkdirSync(join(this.dir, parent), 0o755);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (!lstatSync(join(this.dir, parent)).isDirectory()) throw new Error(`'${parent}' is not a directory`);
      }
    }
  }

  /** The entry's owner, as it says (the import runs as root); true when it changed anything. */
  private chown<T>(target: T, entry: ReadEntry, chown: (target: T, uid: number, gid: number) => void): boolean {
    const uid = entry.uid ?? this.uid;
    const gid = entry.gid ?? this.gid;
    if (uid === this.uid && gid === this.gid) return false;
    chown(target, uid, gid);
    return true;
  }
}

/** 'open etc/passwd: EACCES', the way the runtime names every failed call. */
function named(error: unknown, path: string): Error {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (!code || !syscall) return error as Error;
  return Object.assign(new Error(`${syscall} ${path}: ${code}`), { code, syscall });
}
