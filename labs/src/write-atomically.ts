// How the runtime writes a file that others may read while it changes (an image's record, a
// container's config.json): whole under a temporary name beside it, then rename(2)d over it. rename
// replaces the name atomically within one filesystem (rename(2)), so a reader opens the old file or
// the new one, never half of one. The shim's `write` op does the same in C (native/shim.c).
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The temporary name is hidden (a leading dot: listings skip it) and carries the pid: the writes are
 * synchronous, so two writers of one file are two processes.
 */
export function writeFileAtomically(path: string, contents: string, mode?: number): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, contents, mode === undefined ? undefined : { mode });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true }); // a full disk leaves no half-written temporary behind
    throw error;
  }
}
