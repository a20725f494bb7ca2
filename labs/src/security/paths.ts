// Lab ch7-paths: /proc and /sys are the kernel's own, not the container's: a root process reading
// /proc/kcore reads the host's memory, and one writing /proc/sys/kernel/... changes the host's kernel.
// docker hides the files that tell about the host (masked) and freezes the ones that change it
// (read-only), in the container's mount namespace, after /proc and /sys are mounted. Which files,
// and what each is on this machine: system-paths.ts.
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { KernelPaths } from './system-paths.ts';

export { resolveKernelPaths, type KernelPaths } from './system-paths.ts';

/** After /proc, /sys and /dev are mounted (a masked file gets /dev/null), before the privileges go. */
export function protectKernelPaths(kernel: Kernel, paths: KernelPaths): void {
  // TODO(ch7-paths): /proc is whole, so `cat /proc/keys` shows the host's keys and `echo 1 >
  // /proc/sys/...` changes the host's kernel. Make each of paths.readonly a mount point of its own
  // (a bind mount onto itself: which flag takes along what is mounted below it?), then change only
  // that mount's flags to read-only: which two flags make a remount touch one mount point and not the
  // whole proc filesystem, and which of /proc's flags must the remount repeat? Then hide each of
  // paths.masked: a file under /dev/null, a directory (a file cannot be mounted on one: ENOTDIR)
  // under an empty tmpfs of its own, read-only.
  void kernel;
  void paths;
  void [MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT];
}
