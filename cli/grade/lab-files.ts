// The lab files of a submission: every Lab.files of the whole manifest (so that a later lab's file a
// learner never touched stays its stub), read from the submission and nothing else of it. Its digest
// names exactly what was read, so that grading it again can be skipped when nothing changed.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../../chapters/manifest.ts';

/** A lab file is a lesson's source: far below this. */
export const MAX_LAB_FILE_BYTES = 1024 * 1024;

/** What was found for one lab file: its content, or why the stub is graded instead. */
export type LabFileRead =
  { content: Buffer } | { missing: 'missing' | 'a symbolic link' | 'not a file' | `over ${number} KiB` };

/** A submission the grader cannot read at all: the one line of its report. */
export class SubmissionUnreadable extends Error {}

/** Every lab's files, in course order, each once. */
export function labFilesOf(labs: readonly Lab[]): string[] {
  return [...new Set(labs.flatMap((lab) => lab.files))];
}

/** The lab files under `<root>/labs/` of a directory: regular files only, a link is not followed. */
export function readDirectoryLabFiles(
  root: string,
  files: readonly string[],
  maxBytes = MAX_LAB_FILE_BYTES,
): Map<string, LabFileRead> {
  const reads = new Map<string, LabFileRead>();
  for (const file of files) {
    const path = join(root, 'labs', file);
    let read: LabFileRead;
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) read = { missing: 'a symbolic link' };
      else if (!stat.isFile()) read = { missing: 'not a file' };
      else if (stat.size > maxBytes) read = { missing: `over ${maxBytes / 1024} KiB` };
      else read = { content: readFileSync(path) };
    } catch {
      read = { missing: 'missing' };
    }
    reads.set(file, read);
  }
  return reads;
}

/**
 * sha256 over the lab files in manifest order: for each, its path, NUL, then its content and NUL,
 * or for one not taken, SOH and why. Two submissions with the same lab files have the same digest,
 * whatever else they hold.
 */
export function labFilesDigest(reads: ReadonlyMap<string, LabFileRead>): string {
  const hash = createHash('sha256');
  for (const [file, read] of reads) {
    hash.update(file).update('\0');
    if ('content' in read) hash.update(read.content).update('\0');
    else hash.update('\u0001').update(read.missing).update('\0');
  }
  return hash.digest('hex');
}

/** The notes a report carries for the lab files not taken. */
export function labFileNotes(reads: ReadonlyMap<string, LabFileRead>): string[] {
  return [...reads]
    .filter(([, read]) => 'missing' in read)
    .map(([file, read]) => {
      const why = (read as { missing: string }).missing;
      return why === 'missing'
        ? `labs/${file} was missing: its stub was graded`
        : `labs/${file} is ${why}: its stub was graded`;
    });
}
