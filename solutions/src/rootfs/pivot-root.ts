// Lab ch3-pivot-root: make the image the container's whole filesystem, with no way back to the host's.
import { MNT_DETACH, MS_BIND, MS_REC } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/** Where the old root is put by pivot_root, relative to the new one, until it is detached. */
export const PUT_OLD = '.pivot_root';

/**
 * Makes `root` (a directory holding the container's files) the root of the container's mount
 * namespace, and removes every trace of the host's root from it.
 */
export function enterRootfs(kernel: Kernel, root: string): void {
  // SOLUTION: pivot_root(2) swaps the root *mount* of the whole mount namespace, where chroot(2) only
  // changes one process's root directory; a chroot is left with `chdir("..")` from a directory outside
  // it (the breakout program in chapters/03-rootfs). Each step, and why:
  // 1. new_root must be a mount point (EINVAL otherwise): bind it onto itself. MS_REC brings along
  //    whatever is mounted below it already (the volumes, /etc/hostname).
  kernel.mount(root, root, '', MS_BIND | MS_REC);
  // 2. put_old must be a directory at or under new_root.
  kernel.mkdir(`${root}/${PUT_OLD}`, 0o700);
  // 3. The old root moves to put_old; the new root becomes `/` for every process of the namespace.
  kernel.pivotRoot(root, `${root}/${PUT_OLD}`);
  // 4. The working directory still points into the old tree: chdir into the new root.
  kernel.chdir('/');
  // 5. Detach the old root: MNT_DETACH, because it is busy (the host's mounts under it); a lazy
  //    unmount takes it out of the namespace at once and frees it when the last user goes.
  kernel.umount2(`/${PUT_OLD}`, MNT_DETACH);
  // 6. The empty directory would otherwise stay in the container's root.
  kernel.rmdir(`/${PUT_OLD}`);
}
