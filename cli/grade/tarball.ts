// A tarball submission (.tar, .tar.gz, .tgz), read with the `tar` package in two passes: first every
// entry is looked at and the archive refused whole when one could escape or harm the grader (an
// absolute path, a `..`, a link leaving the tree, a device, too much data); then it is extracted,
// regular files and directories only, with one top directory stripped when it holds everything.
import { createReadStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar';

/** A class's submission is source code: far below these. */
export const MAX_TARBALL_BYTES = 256 * 1024 * 1024;
export const MAX_TARBALL_ENTRIES = 100_000;

export class TarballRefused extends Error {}

const REFUSED_TYPES = new Set(['CharacterDevice', 'BlockDevice', 'FIFO', 'ContiguousFile']);

/** Why an entry is refused, or undefined when it may be extracted. */
export function refusal(entry: { path: string; type: string; linkpath?: string }): string | undefined {
  const path = entry.path;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `it holds an absolute path (${path})`;
  if (path.split('/').includes('..')) return `it holds a path that leaves it (${path})`;
  if (REFUSED_TYPES.has(entry.type)) return `it holds a device or a FIFO (${path})`;
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const target = entry.linkpath ?? '';
    // A symbolic link is relative to its directory; a hard link's target to the archive's root.
    const resolved =
      entry.type === 'Link' ? posix.normalize(target) : posix.normalize(posix.join(posix.dirname(path), target));
    if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
      return `it holds a link that leaves it (${path} -> ${target})`;
    }
  }
  return undefined;
}

export interface TarballListing {
  /** The first path component of every entry. */
  tops: Set<string>;
  entries: number;
}

/** Reads the whole archive, refusing it (TarballRefused) at the first entry that may not be extracted. */
export function listTarball(file: string): Promise<TarballListing> {
  return new Promise((resolve, reject) => {
    const tops = new Set<string>();
    let entries = 0;
    let bytes = 0;
    let done = false;
    const stream = createReadStream(file);
    const parser = new tar.Parser({ strict: true });
    const fail = (error: Error): void => {
      if (done) return;
      done = true;
      stream.destroy();
      reject(error);
    };
    parser.on('entry', (entry: tar.ReadEntry) => {
      entries++;
      bytes += entry.size ?? 0;
      const why =
        refusal(entry) ??
        (entries > MAX_TARBALL_ENTRIES ? `it holds more than ${MAX_TARBALL_ENTRIES} entries` : undefined) ??
        (bytes > MAX_TARBALL_BYTES ? `it holds more than ${MAX_TARBALL_BYTES / 1024 ** 2} MiB` : undefined);
      if (why) {
        fail(new TarballRefused(why));
        return;
      }
      const top = entry.path.replace(/^\.\//, '').split('/')[0];
      if (top) tops.add(top);
      entry.resume();
    });
    parser.on('error', (error: Error) => fail(error));
    parser.on('warn', (code: string, message: string | Error) => {
      fail(new Error(typeof message === 'string' ? message : message.message));
    });
    parser.on('end', () => {
      if (done) return;
      done = true;
      resolve({ tops, entries });
    });
    stream.on('error', fail);
    stream.pipe(parser);
  });
}

/** An empty file, or a tar of no entries (only the zero blocks that end an archive), gzipped or not. */
function isEmptyArchive(file: string): boolean {
  const size = statSync(file).size;
  if (size === 0) return true;
  if (size > 64 * 1024) return false;
  let bytes: Buffer = readFileSync(file);
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes, { maxOutputLength: 1024 * 1024 });
  } catch {
    return false;
  }
  return bytes.every((byte) => byte === 0);
}

/**
 * Extracts a tarball into `dir` (made here) and returns the directory that holds the submission:
 * `dir` itself, or its one top directory when every entry is under it.
 */
export async function extractTarball(file: string, dir: string): Promise<string> {
  let listing: TarballListing;
  try {
    listing = await listTarball(file);
  } catch (error) {
    if (error instanceof TarballRefused) throw error;
    if (isEmptyArchive(file)) throw new TarballRefused('the tarball is empty');
    throw new TarballRefused(`it is not a readable tarball (${(error as Error).message.split('\n')[0]})`);
  }
  if (listing.entries === 0) throw new TarballRefused('the tarball is empty');
  mkdirSync(dir, { recursive: true });
  const [only] = listing.tops;
  const strip = listing.tops.size === 1 && only !== 'labs' ? 1 : 0;
  await tar.x({
    file,
    cwd: dir,
    strict: true,
    strip,
    preserveOwner: false,
    // Regular files and directories are all a submission needs; links are not followed anyway.
    filter: (_path, entry) =>
      'type' in entry && (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'Directory'),
  });
  return dir;
}
