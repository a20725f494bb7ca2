// Lab ch7-userns: a user namespace, and the id maps that make the container's root an ordinary
// user of the host. With `--userns remap[:USER]` (root runs mydocker) the container's ids 0..n-1 are
// USER's subordinate ids on the host (/etc/subuid, /etc/subgid, subuid(5)); rootless (an ordinary
// user runs mydocker) they are that user's own id as 0, then their subordinate ids, as rootless
// podman lays them out. The kernel's rules: user_namespaces(7), "User and group ID mappings".
import { accessSync, constants, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { UsageError } from '../errors.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { HostStep } from '../kernel/plan.ts';
import type { SecurityOptions } from './options.ts';
import type { SecurityContext } from './resolve.ts';

export interface IdRange {
  /** The first id inside the container. */
  inside: number;
  /** The first id on the host it maps to. */
  outside: number;
  count: number;
}

export interface UserNamespace {
  uids: IdRange[];
  gids: IdRange[];
  /**
   * Rootless: the setuid helpers that write the maps (newuidmap, newgidmap: Debian's uidmap), as
   * absolute paths. Absent when root runs mydocker: the shim writes the maps itself.
   */
  mappers?: { uid: string; gid: string };
}

/** One line of /etc/subuid or /etc/subgid that names the user: `NAME or UID:start:count` (subuid(5)). */
export interface SubordinateRange {
  start: number;
  count: number;
}

/** Who owns the ids: rootless, the caller's own uid and gid, which the container's root becomes. */
export interface Caller {
  uid: number;
  gid: number;
}

/**
 * The container's uid (or gid) map: `ranges` are the user's subordinate ids; `caller` is given when
 * mydocker runs rootless, and holds the caller's own id. undefined: no user namespace.
 */
export function idMappings(ranges: SubordinateRange, caller?: number): IdRange[] | undefined {
  // SOLUTION: each line of uid_map reads "inside outside count": ids inside..inside+count-1 of the
  // container are outside..outside+count-1 of the host (user_namespaces(7)). With remap the whole
  // subordinate range is the container's, from 0: its root is `start` on the host, never 0.
  // Rootless, an ordinary user may map only their own id without help, and newuidmap lets them add
  // the ranges /etc/subuid gives them: their own id is the container's root (so their files are
  // root's inside), and the range follows it, from 1.
  if (caller === undefined) return [{ inside: 0, outside: ranges.start, count: ranges.count }];
  return [
    { inside: 0, outside: caller, count: 1 },
    { inside: 1, outside: ranges.start, count: ranges.count },
  ];
}

/**
 * The container's first step after it joined its cgroups: it becomes its user namespace's root.
 * Until then it still has the caller's ids, which its namespace does not map.
 */
export function enterUserNamespace(kernel: Kernel, users: UserNamespace | undefined): void {
  // SOLUTION: setresgid, setgroups(0), setresuid to 0, which the maps make the first host id of
  // each range. Without it the container runs as "nobody" (65534, the overflow id: an unmapped id
  // reads as that), and what it creates is refused (EOVERFLOW) or owned by the caller.
  if (users) kernel.setIdentity(0, 0);
}

/** The default user of `--userns remap` (docker's is "dockremap", made by dockerd itself). */
export const DEFAULT_REMAP_USER = 'mydocker';

export const SUBUID_FILE = '/etc/subuid';
export const SUBGID_FILE = '/etc/subgid';

/** --userns: host (the default), remap or remap:USER; rootless, always a namespace of the caller's ids. */
export function resolveUserNamespace(options: SecurityOptions, context: SecurityContext): UserNamespace | undefined {
  const mode = parseUserns(options.userns);
  if (context.rootless) return rootlessNamespace(mode);
  if (mode.kind === 'host') return undefined;
  const owner = { name: mode.user, uid: undefined };
  const uids = subordinateRange(readIds(SUBUID_FILE), owner) ?? refuseMissing(mode.user, SUBUID_FILE);
  const gids = subordinateRange(readIds(SUBGID_FILE), owner) ?? refuseMissing(mode.user, SUBGID_FILE);
  const uidMap = idMappings(uids);
  const gidMap = idMappings(gids);
  return uidMap && gidMap ? { uids: uidMap, gids: gidMap } : undefined;
}

type UsernsMode = { kind: 'host' } | { kind: 'remap'; user: string; named: boolean };

function parseUserns(value: string): UsernsMode {
  if (value === 'host') return { kind: 'host' };
  if (value === 'remap') return { kind: 'remap', user: DEFAULT_REMAP_USER, named: false };
  const user = /^remap:([^:\s]+)$/.exec(value)?.[1];
  if (user) return { kind: 'remap', user, named: true };
  throw new UsageError(`invalid --userns "${value}": it takes host or remap[:USER] (see 'mydocker run --help')`);
}

/**
 * Rootless: the kernel lets an unprivileged process make a user namespace and map its own id; the
 * rest of the range comes from /etc/subuid through newuidmap. Without a user namespace it can make
 * no other namespace at all (CAP_SYS_ADMIN), so `--userns host` cannot be kept.
 */
function rootlessNamespace(mode: UsernsMode): UserNamespace {
  if (mode.kind === 'remap' && mode.named) {
    throw new UsageError(
      `--userns ${`remap:${mode.user}`}: rootless, the container's ids are your own subordinate ids; only root may map another user's (drop :${mode.user})`,
    );
  }
  const uid = process.getuid!();
  const gid = process.getgid!();
  // newuidmap looks the caller up by name (getpwuid(3)): "Cannot determine your user name" else.
  const name = userName();
  if (name === undefined) {
    throw new UsageError(
      `rootless: uid ${uid} has no entry in /etc/passwd, and newuidmap needs its name: run mydocker as a user with one`,
    );
  }
  const owner = { name, uid };
  const who = `user "${name}" (uid ${uid})`;
  const uids = subordinateRange(readIds(SUBUID_FILE), owner) ?? refuseRootless(who, name, SUBUID_FILE);
  const gids = subordinateRange(readIds(SUBGID_FILE), owner) ?? refuseRootless(who, name, SUBGID_FILE);
  const mappers = { uid: findProgram('newuidmap'), gid: findProgram('newgidmap') };
  const uidMap = idMappings(uids, uid);
  const gidMap = idMappings(gids, gid);
  if (!uidMap || !gidMap) {
    throw new UsageError('rootless: mydocker needs a user namespace, and lab ch7-userns maps none yet');
  }
  return { uids: uidMap, gids: gidMap, mappers };
}

/**
 * The first line of a subuid(5) file that names the owner, by name or by number (newuidmap accepts
 * both); undefined when none does. Later lines are further ranges, which this runtime does not use.
 */
export function subordinateRange(
  text: string,
  owner: { name: string | undefined; uid: number | undefined },
): SubordinateRange | undefined {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(':');
    if (fields.length !== 3) continue;
    const [who, start, count] = fields as [string, string, string];
    if (who !== owner.name && (owner.uid === undefined || who !== String(owner.uid))) continue;
    if (!/^\d+$/.test(start) || !/^[1-9]\d*$/.test(count)) continue;
    return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

/** The steps the shim runs on the host while the container waits at its barrier: both maps. */
export function idMapSteps(users: UserNamespace): HostStep[] {
  const ranges = (map: IdRange[]): string => map.map((r) => `${r.inside} ${r.outside} ${r.count}`).join(' ');
  return [
    { op: 'id-map', map: 'uid', program: users.mappers?.uid ?? '', ranges: ranges(users.uids) },
    { op: 'id-map', map: 'gid', program: users.mappers?.gid ?? '', ranges: ranges(users.gids) },
  ];
}

/** The host uid and gid of the container's root: the owner of the files the host makes for it. */
export function mappedRoot(users: UserNamespace): { uid: number; gid: number } {
  const outside = (map: IdRange[]): number => map.find((range) => range.inside === 0)?.outside ?? 0;
  return { uid: outside(users.uids), gid: outside(users.gids) };
}

function readIds(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function refuseMissing(user: string, file: string): never {
  throw new UsageError(
    `--userns remap: user "${user}" has no subordinate ids in ${file}: add "${user}:100000:65536" to ${SUBUID_FILE} and ${SUBGID_FILE} (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user})`,
  );
}

function refuseRootless(who: string, owner: string, file: string): never {
  throw new UsageError(
    `rootless: ${who} has no subordinate ids in ${file}: ask root to add "${owner}:100000:65536" to ${SUBUID_FILE} and ${SUBGID_FILE} (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${owner})`,
  );
}

/** The caller's login name; undefined for a uid without a passwd entry. */
function userName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** newuidmap and newgidmap are setuid root and live in /usr/bin (Debian's uidmap). */
function findProgram(name: string): string {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    const path = `${dir}/${name}`;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not there: the next one
    }
  }
  throw new UsageError(`rootless: ${name} was not found: install newuidmap and newgidmap (apt-get install uidmap)`);
}
