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
  // SOLUTION: read-only first, as runc does. A bind mount of a path onto itself makes it a mount
  // point of its own, whose flags can then change without touching /proc's (MS_REC: with what is
  // mounted below it). The second call changes only that mount's flags: MS_BIND with MS_REMOUNT
  // (mount(2), "Remounting an existing mount"); without MS_BIND it would change the proc
  // superblock's, every /proc's. A bind remount must repeat the flags the mount keeps (nosuid,
  // nodev, noexec, as mountProc mounted it), or it clears them.
  for (const path of paths.readonly) {
    kernel.mount(path, path, '', MS_BIND | MS_REC);
    kernel.mount(path, path, '', MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  }
  // SOLUTION: a file is hidden under /dev/null (a bind mount of the container's own node: reads give
  // nothing, writes vanish); a directory cannot take a file over it (ENOTDIR), so it gets an empty
  // read-only tmpfs of its own.
  for (const { path, directory } of paths.masked) {
    if (directory) kernel.mount('tmpfs', path, 'tmpfs', MS_RDONLY);
    else kernel.mount('/dev/null', path, '', MS_BIND);
  }
}
