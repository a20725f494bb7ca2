// --userns remap (chapter 7): the layers as the container's root owns them. An image's files belong
// to the host's root (0:0, and whatever other ids the image gave them), which the container's user
// namespace maps to nothing: inside they show as nobody (65534), its root may change none of them,
// and overlayfs even refuses to copy up a directory whose owner is unmapped (EOVERFLOW: `mkdir
// /tmp/d` fails). docker's answer is ours: a copy of each layer per id range (docker keeps them in
// /var/lib/docker/<uid>.<gid>/), every owner moved up by the start of the range, made by the first
// run that needs it, whole under a temporary name and then renamed, and shared by every container of
// that range afterwards. (An idmapped mount of each layer, mount_setattr(2), would need no copy.)
//   remapped/<uid>-<gid>/layers/<id>/    an image layer, its owners shifted
//   remapped/<uid>-<gid>/init/           the shared init layer (its /etc is the container's /etc)
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lchownSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import type { IdRange } from '../security/userns.ts';

/** The container's ids 0..count-1 are the host's uid.. and gid.. (its user namespace's maps). */
export interface IdShift {
  uid: number;
  gid: number;
  count: number;
}

/** The shift of a remap's maps: the range that holds the container's root (inside 0). */
export function idShiftOf(uids: readonly IdRange[], gids: readonly IdRange[]): IdShift {
  const root = (ranges: readonly IdRange[]): IdRange => ranges.find((range) => range.inside === 0) ?? ranges[0]!;
  const uid = root(uids);
  const gid = root(gids);
  return { uid: uid.outside, gid: gid.outside, count: Math.min(uid.count, gid.count) };
}

/** Where the range's copy of `name` (layers/<id>, init) is, under the state root. */
export function remappedPath(storeRoot: string, shift: IdShift, name: string): string {
  return join(storeRoot, 'remapped', `${shift.uid}-${shift.gid}`, name);
}

/**
 * The range's copy of `source` as `name`, made now if it is not there: `cp -a` (modes, times,
 * links, whiteouts and overlayfs's xattrs as they are), then every owner moved up. The directories
 * above it let the container's root pass (0711), as the state root does.
 */
export function ensureRemapped(storeRoot: string, shift: IdShift, source: string, name: string): string {
  const target = remappedPath(storeRoot, shift, name);
  if (existsSync(target)) return target;
  for (let dir = dirname(target); dir.length > storeRoot.length; dir = dirname(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(dir, 0o711);
  }
  const temporary = join(dirname(target), `.partial-${process.pid}-${basename(target)}`);
  rmSync(temporary, { recursive: true, force: true });
  try {
    const copied = spawnSync('cp', ['-a', '--', source, temporary], { encoding: 'utf8' });
    if (copied.error || copied.status !== 0)
      throw new RuntimeError(
        `cannot copy ${source} for --userns remap: ${(copied.stderr || String(copied.error)).trim()}`,
      );
    shiftOwners(temporary, shift);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (existsSync(target)) return target; // another run made it meanwhile
    throw error;
  }
  return target;
}

/**
 * Each entry's owner moved up by the shift; an id beyond the range stays (the container sees it as
 * nobody, as before). chown(2) clears the set-user-ID and set-group-ID bits of a file, also for
 * root: they are set again.
 */
function shiftOwners(dir: string, shift: IdShift): void {
  for (const path of [dir, ...entriesBelow(dir)]) {
    const entry = lstatSync(path);
    const uid = entry.uid < shift.count ? entry.uid + shift.uid : entry.uid;
    const gid = entry.gid < shift.count ? entry.gid + shift.gid : entry.gid;
    lchownSync(path, uid, gid);
    if (!entry.isSymbolicLink() && (entry.mode & 0o6000) !== 0) chmodSync(path, entry.mode & 0o7777);
  }
}

/**
 * Every path below `dir`, never through a symlink: readdirSync's own `recursive` follows symlinks to
 * directories, and a layer's `lib -> /usr/lib` would then lead the chown onto the host's files.
 */
function entriesBelow(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    found.push(path);
    if (entry.isDirectory()) found.push(...entriesBelow(path)); // lstat's type: a symlink is not one
  }
  return found;
}

/** A layer gone from the store: its copies go too, in every range. */
export function removeRemappedLayer(storeRoot: string, layerId: string): void {
  let ranges: string[];
  try {
    ranges = readdirSync(join(storeRoot, 'remapped'));
  } catch {
    return; // no remap ever ran here
  }
  for (const range of ranges)
    rmSync(join(storeRoot, 'remapped', range, 'layers', layerId), { recursive: true, force: true });
}
