// What an entry of a layer tar may write, decided before anything is written. An image comes from
// anywhere: its tar can name '../../etc/cron.d/x' or '/etc/passwd', put a symbolic link 'a' -> '/'
// and then a file 'a/etc/passwd' (written through the link: to the host's), or hard-link to a host
// file. node-tar's own guards (without preservePaths) would also rewrite what a layer legitimately
// holds (absolute symbolic links made relative, links through '..' refused), so the import unpacks
// with preservePaths and every entry passes here first: one path, relative to the layer, that no
// earlier entry of the same tar turned into a way out.
import { whiteoutMark, type WhiteoutMark } from './whiteouts.ts';

export class UnsafeEntryError extends Error {}

export type Admission =
  /** Write it, at this normalized path (and, for a hard link, to this normalized target). */
  | { kind: 'write'; path: string; linkpath?: string }
  /** A device node or a FIFO: a layer of an image has no use for one (docker makes /dev itself). */
  | { kind: 'skip' }
  /** Not a file: a whiteout or an opaque marker, for the import to apply. */
  | { kind: 'mark'; mark: WhiteoutMark };

const WRITTEN = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'GNUDumpDir', 'SymbolicLink', 'Link']);
const SKIPPED = new Set(['CharacterDevice', 'BlockDevice', 'FIFO']);

/** An empty name ('//', a leading '/'), '.' or '..' as a name, a NUL, or the empty path. */
const ODD_PATH = /(^|\/)\.{0,2}(\/|$)|\0/;

/** 'a/b' from './a//b/', '.' for the root; refuses absolute paths and '..'. */
export function normalizeEntryPath(given: string, what = 'path'): string {
  // The common case, 'usr/bin/env' or 'usr/bin/': nothing to take out (this runs for every entry).
  if (!ODD_PATH.test(given)) return given.endsWith('/') ? given.slice(0, -1) : given;
  if (given.startsWith('/')) throw new UnsafeEntryError(`entry ${what} '${given}' is absolute`);
  const names = given.split('/').filter((name) => name !== '' && name !== '.');
  if (names.includes('..')) throw new UnsafeEntryError(`entry ${what} '${given}' goes up with '..'`);
  if (given.includes('\0')) throw new UnsafeEntryError(`entry ${what} '${given}' has a NUL byte`);
  return names.length > 0 ? names.join('/') : '.';
}

/** The directories above a path, outermost first: 'a/b/c' -> ['a', 'a/b']. */
export function ancestors(path: string): string[] {
  const found: string[] = [];
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1))
    found.push(path.slice(0, slash));
  return found;
}

/** The entries of one layer tar, in order. Stateful: it remembers the symbolic links already made. */
export class LayerPaths {
  private readonly symlinks = new Set<string>();

  admit(type: string, path: string, linkpath?: string): Admission {
    const normal = normalizeEntryPath(path);
    this.refuseThroughSymlink(normal, path);
    const mark = normal.includes('.wh.') ? whiteoutMark(normal) : undefined;
    if (mark) {
      this.refuseThroughSymlink(mark.kind === 'whiteout' ? mark.hides : mark.directory, path);
      return { kind: 'mark', mark };
    }
    if (SKIPPED.has(type) || isAufsMetadata(normal)) return { kind: 'skip' };
    if (!WRITTEN.has(type))
      throw new UnsafeEntryError(`entry '${path}' has a type this import does not know (${type})`);
    if (normal === '.' && type !== 'Directory')
      throw new UnsafeEntryError(`entry '${path}' would replace the layer's root directory`);
    if (type === 'Link') {
      if (linkpath === undefined || linkpath === '') throw new UnsafeEntryError(`hard link '${path}' has no target`);
      const target = normalizeEntryPath(linkpath, `hard link target of '${path}':`);
      if (target === '.') throw new UnsafeEntryError(`hard link '${path}' points at the layer's root`);
      this.refuseThroughSymlink(target, linkpath);
      // link(2) does not follow a symbolic link it links to: the new name is one more symbolic link.
      if (this.symlinks.has(target)) this.symlinks.add(normal);
      else this.symlinks.delete(normal);
      return { kind: 'write', path: normal, linkpath: target };
    }
    // What this entry replaces, a symbolic link included, is gone once it is written.
    if (type === 'SymbolicLink') this.symlinks.add(normal);
    else this.symlinks.delete(normal);
    return { kind: 'write', path: normal };
  }

  /** Whether the path, as the tar left it, is a symbolic link or lies below one. */
  isSymlinkOrBelowOne(normal: string): boolean {
    return this.symlinks.has(normal) || ancestors(normal).some((directory) => this.symlinks.has(directory));
  }

  private refuseThroughSymlink(normal: string, given: string): void {
    if (this.symlinks.size === 0) return;
    const link = ancestors(normal).find((directory) => this.symlinks.has(directory));
    if (link !== undefined) {
      throw new UnsafeEntryError(
        `entry '${given}' goes through the symbolic link '${link}' of the same layer (it could point outside the layer)`,
      );
    }
  }
}

/** AUFS's own bookkeeping ('.wh..wh.plnk/...', '.wh..wh.aufs'), not files of the image: docker drops them too. */
export function isAufsMetadata(normal: string): boolean {
  return normal.includes('.wh..wh.') && normal.split('/').some((name) => name.startsWith('.wh..wh.'));
}
