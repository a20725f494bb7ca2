// Lab ch3-dev: a /dev of the container's own, with only the devices a program expects.
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_STRICTATIME, S_IFCHR } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/** The character devices every container gets (Documentation/admin-guide/devices.txt), all 0666. */
export const DEVICES: ReadonlyArray<{ name: string; major: number; minor: number }> = [
  { name: 'null', major: 1, minor: 3 },
  { name: 'zero', major: 1, minor: 5 },
  { name: 'full', major: 1, minor: 7 },
  { name: 'random', major: 1, minor: 8 },
  { name: 'urandom', major: 1, minor: 9 },
  { name: 'tty', major: 5, minor: 0 },
];

/** The links a shell expects in /dev: its descriptors through /proc. */
export const DEV_LINKS: ReadonlyArray<{ path: string; target: string }> = [
  { path: '/dev/fd', target: '/proc/self/fd' },
  { path: '/dev/stdin', target: '/proc/self/fd/0' },
  { path: '/dev/stdout', target: '/proc/self/fd/1' },
  { path: '/dev/stderr', target: '/proc/self/fd/2' },
  { path: '/dev/ptmx', target: 'pts/ptmx' },
];

/** Builds /dev. Runs after enterRootfs and mountProc. */
export function mountDev(kernel: Kernel): void {
  // TODO(ch3-dev): /dev is empty, so `echo hi > /dev/null` makes a plain file. Build a /dev: on what
  // filesystem (why not a bind of the host's /dev, which holds its disks)? Which mount flag would
  // stop every device node in it from opening? Then the nodes in DEVICES (mknod, a character device,
  // mode 0666), a devpts of the container's own for its terminals (which mount option makes it a new
  // instance, and where must /dev/ptmx point?), a tmpfs for /dev/shm, and the links in DEV_LINKS.
  void kernel;
  void [MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_STRICTATIME, S_IFCHR, DEVICES, DEV_LINKS];
}
