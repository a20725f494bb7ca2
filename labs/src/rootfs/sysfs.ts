// Lab ch3-sysfs: the kernel's view of devices and drivers, read-only.
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/** Mounts a sysfs on /sys, read-only. Runs after enterRootfs: `/` is the container's root. */
export function mountSys(kernel: Kernel): void {
  // TODO(ch3-sysfs): the image's /sys is an empty directory. Mount a sysfs there: which network
  // devices will /sys/class/net list, the host's or the container's, and why? Root in the container
  // is root on the host: what could a write under /sys change, and which flag prevents it?
  void kernel;
  void [MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY];
}
