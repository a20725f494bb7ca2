// Where a container's files live on the host, under the state root (MYDOCKER_ROOT):
//
//   containers/<id>/config.json, running.json, exit.json   its state (state/store.ts)
//   containers/<id>/hostname, hosts, resolv.conf
//                                            bind-mounted onto the container's /etc (lab ch3-etc-files)
//   init/                                    the mount points every container needs and an image may
//                                            lack (/proc, /sys, /dev, /etc/hostname...): a read-only
//                                            layer between the image and the container, as docker's
//                                            "-init" layer; the same for all, so made once
//   containers/<id>/init/                    its volumes' mount points, when it has volumes
//   containers/<id>/upper/, work/            the container's own layer: every write lands in upper
//   containers/<id>/rootfs/                  where the merged view is mounted, inside the container's
//                                            mount namespace only (the host never sees that mount)
//   layers/<id>/                             the image layers, shared read-only by every container
//
// Removing the container is removing containers/<id>: nothing of it is mounted on the host.
import { chownSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ContainerLayout {
  /** The state root; the container stands there (chdir) when it mounts its root: see `relative`. */
  storeRoot: string;
  dir: string;
  rootfs: string;
  /** The init layer every container shares (state root/init). */
  sharedInit: string;
  /** The container's own init layer, for its volumes' mount points; made only when it has volumes. */
  init: string;
  upper: string;
  work: string;
  etc: { hostname: string; hosts: string; resolvConf: string };
}

export function containerLayout(storeRoot: string, id: string): ContainerLayout {
  const dir = join(storeRoot, 'containers', id);
  return {
    storeRoot,
    dir,
    rootfs: join(dir, 'rootfs'),
    sharedInit: join(storeRoot, 'init'),
    init: join(dir, 'init'),
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    etc: { hostname: join(dir, 'hostname'), hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf') },
  };
}

/**
 * A path as seen from the state root. The overlay mount's options name every layer, and the kernel
 * takes at most one page (4096 bytes) of options: relative names (the container chdir()s to the state
 * root first) fit more layers, and keep the host's directory names out of the container's mountinfo.
 */
export function fromStoreRoot(layout: ContainerLayout, path: string): string {
  return relative(layout.storeRoot, path);
}

/** The mount points every container needs, made in its init layer: its own fresh directory. */
// A directory here hides the attributes of the image's (overlayfs takes them from the uppermost layer):
// only directories that get something mounted on them, and /etc, whose files are mount points.
export const INIT_DIRECTORIES = ['proc', 'sys', 'dev', 'etc'];
export const INIT_FILES = ['etc/hostname', 'etc/hosts', 'etc/resolv.conf'];

/** The container's init layers, bottom first: the shared one, then its own if it has volumes. */
export function initLayers(layout: ContainerLayout, hasOwn: boolean): string[] {
  return hasOwn ? [layout.sharedInit, layout.init] : [layout.sharedInit];
}

/**
 * Makes the container's directories. Mount points are made here, by the host, in directories that are
 * the runtime's own, rather than by the container in its image's tree: an image is untrusted, and a
 * path through one of its symlinks (say /etc -> /) would lead a mkdir made before pivot_root onto the
 * host's own files. Whatever an init layer holds wins over the image's files of the same name.
 * Every directory made here is also one to remove afterwards, and on a disk each costs about 0.1 ms
 * both ways: the shared init layer is made once, and a container's own only for volumes.
 */
export function makeContainerDirs(
  layout: ContainerLayout,
  volumeTargets: readonly string[] = [],
  owner?: { uid: number; gid: number },
): void {
  if (!existsSync(layout.sharedInit)) makeSharedInit(layout.sharedInit);
  for (const dir of [layout.upper, layout.work, layout.rootfs]) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    // Chapter 7, --userns remap: the container's root is a host uid that is not 0, and overlayfs
    // writes its upper and work directories with the mounter's ids (Documentation/filesystems/overlayfs.rst,
    // "Permission model"): they are that uid's, as the mount point is.
    if (owner) chownSync(dir, owner.uid, owner.gid);
  }
  for (const target of volumeTargets) mkdirSync(join(layout.init, target), { recursive: true, mode: 0o755 });
}

/** Made whole under a temporary name, then renamed: a container never sees half of it. */
function makeSharedInit(path: string): void {
  const temporary = `${path}.${process.pid}`;
  for (const name of INIT_DIRECTORIES) mkdirSync(join(temporary, name), { recursive: true, mode: 0o755 });
  for (const name of INIT_FILES) writeFileSync(join(temporary, name), '', { mode: 0o644 });
  try {
    renameSync(temporary, path);
  } catch {
    rmSync(temporary, { recursive: true, force: true }); // another run made it first
  }
}
