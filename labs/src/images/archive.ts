// The outer tar of `mydocker image import FILE`: a rootfs (one layer, like `docker export` writes),
// or an image archive, `docker save`'s or an OCI image layout's, whose entries are JSON documents and
// layer blobs. Which one is read from its entries. Nothing of the archive itself is ever written to
// disk: its JSON is read into memory, its layers streamed into their unpacking.
import type { ReadEntry } from 'tar';
import { fileChunks, readTar } from './tar.ts';

export interface ArchiveEntry {
  type: string;
  linkpath?: string;
  size: number;
}

export type ScannedArchive =
  { kind: 'rootfs' } | { kind: 'image'; entries: Map<string, ArchiveEntry>; files: Map<string, Buffer> };

/** JSON documents are small; anything larger is read again when it is needed (readFiles). */
const SMALL_FILE = 4 << 20;
const MEMORY_BUDGET = 64 << 20;

/** 'a/b' from './a/b/'; undefined for a path that is absolute or goes up: no image archive has those. */
export function archivePath(path: string): string | undefined {
  if (path.startsWith('/')) return undefined;
  const names = path.split('/').filter((name) => name !== '' && name !== '.');
  return names.includes('..') ? undefined : names.join('/');
}

const HEX = /^[0-9a-f]{64}$/;

/**
 * The entries docker save (legacy and OCI-based) and OCI image layouts have. The first entry that is
 * none of these means a rootfs, and the scan stops there: a 100 MB rootfs costs one header.
 */
export function inImageArchive(path: string, type: string): boolean {
  const names = path === '' ? [] : path.split('/');
  const [first = '', second, third, ...rest] = names;
  const isDir = type === 'Directory';
  if (names.length === 0) return isDir;
  if (names.length === 1) {
    if (isDir) return first === 'blobs' || HEX.test(first);
    return ['manifest.json', 'repositories', 'oci-layout', 'index.json'].includes(first) || /\.(json|tar)$/.test(first);
  }
  if (first === 'blobs')
    return rest.length === 0 && (third === undefined ? isDir : !isDir) && /^[a-z0-9]+$/.test(second!);
  return HEX.test(first) && names.length === 2 && !isDir && ['layer.tar', 'json', 'VERSION'].includes(second!);
}

/** Reads the archive's table of entries and its small files; stops at the first sign of a rootfs. */
export async function scanArchive(file: string): Promise<ScannedArchive> {
  const entries = new Map<string, ArchiveEntry>();
  const files = new Map<string, Buffer>();
  let budget = MEMORY_BUDGET;
  let rootfs = false;
  await readTar(fileChunks(file), {
    onEntry(entry) {
      const path = archivePath(entry.path);
      if (path === undefined || !inImageArchive(path, entry.type)) {
        rootfs = true;
        entry.resume();
        return 'stop';
      }
      entries.set(path, { type: entry.type, linkpath: entry.linkpath, size: entry.size });
      if (entry.type === 'File' && entry.size <= Math.min(SMALL_FILE, budget)) {
        budget -= entry.size;
        collect(entry, (content) => files.set(path, content));
      } else entry.resume();
    },
  });
  if (rootfs) return { kind: 'rootfs' };
  if (entries.size === 0) throw new Error('it holds no files');
  return { kind: 'image', entries, files };
}

/** The contents of these paths (real files, links resolved already), in one read of the archive. */
export async function readFiles(file: string, paths: ReadonlySet<string>): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  await readTar(fileChunks(file), {
    onEntry(entry) {
      const path = archivePath(entry.path);
      if (path !== undefined && paths.has(path) && entry.type === 'File')
        collect(entry, (content) => found.set(path, content));
      else entry.resume();
    },
  });
  return found;
}

/**
 * Where a path of the archive really is: skopeo's docker-archive writes '<id>/layer.tar' as a
 * symbolic link to '<digest>.tar', and tar writes a second copy of a file as a hard link.
 */
export function resolveInArchive(entries: ReadonlyMap<string, ArchiveEntry>, given: string): string {
  let path = archivePath(given);
  for (let hops = 0; path !== undefined && hops < 16; hops++) {
    const entry = entries.get(path);
    if (!entry) throw new Error(`the archive has no '${given}'`);
    if (entry.type === 'File') return path;
    if (entry.type === 'Link') path = archivePath(entry.linkpath ?? '');
    else if (entry.type === 'SymbolicLink') path = archivePath(join(dirnameOf(path), entry.linkpath ?? ''));
    else throw new Error(`'${given}' in the archive is not a file (${entry.type})`);
  }
  throw new Error(`'${given}' in the archive is a link that leads nowhere`);
}

function dirnameOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}

/** Joins two archive paths, resolving '..' against the archive's root (never above it). */
function join(directory: string, relative: string): string {
  if (relative.startsWith('/')) return '/';
  const names = directory === '' ? [] : directory.split('/');
  for (const name of relative.split('/')) {
    if (name === '..') {
      if (names.length === 0) return '/';
      names.pop();
    } else if (name !== '' && name !== '.') names.push(name);
  }
  return names.join('/');
}

function collect(entry: ReadEntry, done: (content: Buffer) => void): void {
  const parts: Buffer[] = [];
  entry.on('data', (part: Buffer) => parts.push(part));
  entry.on('end', () => done(Buffer.concat(parts)));
}
