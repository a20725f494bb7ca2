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
  // TODO(ch3-pivot-root): this is the book's first attempt, and it works: `ls /` shows the image.
  // Now run the breakout program from chapters/03-rootfs in it and read the host's file. chroot(2)
  // changed this process's idea of `/`; what did it leave mounted, and where does `chdir("..")` lead
  // from a directory outside the new root? Replace these two calls with pivot_root(2) and what it
  // needs before and after: is `root` a mount point? where does the old root go, and how does it
  // leave the container's mount table?
  kernel.chroot(root);
  kernel.chdir('/');
  void [MNT_DETACH, MS_BIND, MS_REC, PUT_OLD];
}
