// Lab ch3-sysfs: the kernel's view of devices and drivers, read-only.
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/** Mounts a sysfs on /sys, read-only. Runs after enterRootfs: `/` is the container's root. */
export function mountSys(kernel: Kernel): void {
  // SOLUTION: a sysfs shows the network devices of the network namespace of the process that mounts
  // it, so /sys/class/net inside lists only the container's (sysfs_mount takes the mounter's net ns).
  // Read-only: /sys holds knobs of the whole machine (a write to /sys/kernel/mm/... would change the
  // host), and root in the container is root on the host. docker mounts it the same way.
  kernel.mount('sysfs', '/sys', 'sysfs', MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV);
}
