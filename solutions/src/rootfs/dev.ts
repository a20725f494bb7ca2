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
  // SOLUTION: a tmpfs, not a bind of the host's /dev: the host's holds its disks (/dev/vda) and every
  // other device, and a root process that can open /dev/vda can read and write the host's disk. Not
  // MS_NODEV, or the nodes below would not open (EACCES). MS_STRICTATIME as docker does.
  kernel.mount('tmpfs', '/dev', 'tmpfs', MS_NOSUID | MS_STRICTATIME, 'mode=755,size=65536k');
  for (const device of DEVICES) kernel.mknod(`/dev/${device.name}`, S_IFCHR | 0o666, device.major, device.minor);
  // A devpts of its own (newinstance): the container's terminals are not the host's, and its ptmx
  // opens terminals in it. gid 5 is the tty group; mode 0620 lets that group write (write, wall).
  kernel.mkdir('/dev/pts', 0o755);
  kernel.mount('devpts', '/dev/pts', 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  // POSIX shared memory (shm_open) lives in /dev/shm: a tmpfs of its own, so that it is limited and
  // gone with the container.
  kernel.mkdir('/dev/shm', 0o1777);
  kernel.mount('shm', '/dev/shm', 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, 'mode=1777,size=65536k');
  for (const link of DEV_LINKS) kernel.symlink(link.target, link.path);
}
