// One layer tar unpacked into a directory, in the form overlayfs reads as a lower directory: a
// whiteout as a character device 0/0, an opaque directory as trusted.overlay.opaque=y (whiteouts.ts
// says which entries are marks). Returns the layer's id: the sha256 of its uncompressed tar, the OCI
// "diff id", computed from the same bytes the unpacking reads.
import { createHash } from 'node:crypto';
import {
  type Stats,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
} from 'node:fs';
import { join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { LayerWriter, type DirectoryFixup } from './layer-writer.ts';
import { LayerPaths, UnsafeEntryError, ancestors } from './layer-paths.ts';
import { describeTarError } from './tar.ts';
import { makeWhiteout, setXattr } from '../libc.ts';
import type { WhiteoutMark } from './whiteouts.ts';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';

/**
 * Unpacks the uncompressed tar in `chunks` into `dir` (empty, made by the caller). Throws on the
 * first unsafe entry or damaged byte; what was written by then is the caller's to remove.
 */
export async function unpackLayer(chunks: AsyncIterable<Buffer>, dir: string): Promise<string> {
  const paths = new LayerPaths();
  const marks: WhiteoutMark[] = [];
  const writer = new LayerWriter(dir);
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    parser.abort(failure);
  };
  // strict: every warning is an error (a bad checksum, a truncated entry): a layer is unpacked
  // whole or not at all. node-tar reads; LayerWriter's thread writes (write-thread.ts says why not Unpack).
  const parser = new Parser({
    strict: true,
    filter: (_path: string, entry: ReadEntry | Stats) => {
      if (failure) return false;
      try {
        return admit(entry as ReadEntry);
      } catch (error) {
        fail(error as Error);
        return false;
      }
    },
  });
  parser.on('error', (error: Error) => (failure ??= error));
  parser.on('entry', (entry: ReadEntry) => (failure ? entry.resume() : writer.write(entry)));

  function admit(entry: ReadEntry): boolean {
    const admission = paths.admit(entry.type, entry.path, entry.linkpath);
    if (admission.kind === 'skip') return false;
    if (admission.kind === 'mark') {
      marks.push(admission.mark);
      return false;
    }
    entry.path = admission.path;
    if (admission.linkpath !== undefined) entry.linkpath = admission.linkpath;
    return true;
  }

  let sawEnd = false;
  parser.on('nullBlock', () => (sawEnd = true));
  const hash = createHash('sha256');
  // All of it is read and hashed even after a failure: a layer inside an archive must be drained.
  // Whatever happens, the writing thread has ended before this returns or throws: the caller may
  // remove the directory then, and nothing is written into it afterwards.
  try {
    for await (const chunk of chunks) {
      hash.update(chunk);
      if (failure) continue;
      parser.write(chunk);
      await writer.ready();
      if (writer.failure) fail(writer.failure);
    }
    if (!failure) parser.end();
    if (!failure) await writer.finish();
    if (writer.failure) fail(writer.failure);
  } catch (error) {
    failure = error as Error; // reading the bytes failed: that says more than what it caused
  } finally {
    await writer.stop();
  }
  if (failure) throw describeTarError(failure);
  // A tar ends with zero blocks. Without them, the file was cut between two entries.
  if (!sawEnd) throw new Error('the tar ends without its end-of-archive blocks: it is truncated');
  for (const mark of marks) applyMark(dir, mark);
  // Deepest first, so a directory's time is set after everything inside it changed. A path that a
  // later entry turned into a symbolic link (or put below one) is left alone: never follow one.
  for (const fixup of writer.directories.reverse()) {
    if (!paths.isSymlinkOrBelowOne(fixup.path)) applyFixup(join(dir, fixup.path), fixup);
  }
  return hash.digest('hex');
}

function applyFixup(path: string, fixup: DirectoryFixup): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const current = fstatSync(fd).mode & 0o7777;
    if (current !== (fixup.mode & 0o7777)) fchmodSync(fd, fixup.mode & 0o7777);
    if (fixup.mtime) futimesSync(fd, fixup.mtime, fixup.mtime);
  } finally {
    closeSync(fd);
  }
}

/**
 * A mark, applied once the layer's files are all there: a file of the same layer with the hidden
 * name wins (image-spec: a whiteout applies to the layers below), and the directories on the way
 * are checked again on disk, since a later entry may have replaced one with a symbolic link.
 */
function applyMark(dir: string, mark: WhiteoutMark): void {
  const target = mark.kind === 'whiteout' ? mark.hides : mark.directory;
  const directories = mark.kind === 'whiteout' ? ancestors(target) : [...ancestors(target), target];
  for (const directory of directories) ensureDirectory(dir, directory);
  if (mark.kind === 'opaque') setXattr(join(dir, target), OPAQUE_XATTR, 'y');
  else if (!exists(join(dir, target))) makeWhiteout(join(dir, target));
}

function ensureDirectory(dir: string, relative: string): void {
  if (relative === '.') return;
  const path = join(dir, relative);
  try {
    const stat = lstatSync(path);
    if (stat.isDirectory()) return;
    throw new UnsafeEntryError(`a whiteout below '${relative}', which is not a directory in the layer`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(path, { mode: 0o755 });
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
