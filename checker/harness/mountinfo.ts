// Reading a container's /proc/<pid>/mountinfo, for the chapter 3 and 7 specs: which mount points it
// has, and which it should have.

// docker's masked and read-only paths (moby's oci/defaults.go, DefaultLinuxSpec: MaskedPaths,
// ReadonlyPaths), the checker's own copy, for lab ch7-paths: each a mount the container makes over
// its own /proc or /sys, where this kernel has the path.
export const DOCKER_MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
export const DOCKER_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** The mount points a container makes (chapter 3, and chapter 7's masks); anything else came from the host. */
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
  ...DOCKER_MASKED_PATHS,
  ...DOCKER_READONLY_PATHS,
];

/** Field 5 of each mountinfo line: the mount point, as the reader of the file sees it. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '');
}
