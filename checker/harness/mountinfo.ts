// Reading a container's /proc/<pid>/mountinfo, for the chapter 3 specs: which mount points it has,
// and which it should have once chapter 3 is done.

/** The mount points a container has once chapter 3 is done; anything else came from the host. */
export const CONTAINER_MOUNT_POINTS = [
  '/',
  '/proc',
  '/sys',
  '/dev',
  '/dev/pts',
  '/dev/shm',
  '/etc/hostname',
  '/etc/hosts',
  '/etc/resolv.conf',
];

/** Field 5 of each mountinfo line: the mount point, as the reader of the file sees it. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '');
}
