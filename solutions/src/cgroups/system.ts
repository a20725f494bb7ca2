// Which cgroup system this machine has, read from the mount table (mountinfo(5)):
//   v1      a hierarchy per controller (cgroup mounts, the controller names in their super options)
//   hybrid  v1 hierarchies for the controllers, and an empty cgroup2 beside them (this project's
//           machines; older systemd defaults)
//   v2      one cgroup2 hierarchy with every controller (the default of Debian 11+, Ubuntu 21.10+)
// In hybrid mode the controllers live on v1, so the runtime drives v1.
import { readFileSync } from 'node:fs';

/** The controllers mydocker uses. cpuacct only counts (v1); v2 counts in cpu.stat. */
export type Controller = 'memory' | 'cpu' | 'cpuacct' | 'cpuset' | 'pids';
export const CONTROLLERS: readonly Controller[] = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids'];

export type CgroupSystem =
  | { version: 1; mode: 'v1' | 'hybrid'; hierarchies: Partial<Record<Controller, string>> }
  | { version: 2; mode: 'v2'; root: string };

export function detectCgroups(mountinfo: string = readFileSync('/proc/self/mountinfo', 'utf8')): CgroupSystem {
  const hierarchies: Partial<Record<Controller, string>> = {};
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    // mount ID, parent ID, major:minor, root, MOUNT POINT, options, optional fields..., -, FSTYPE, source, SUPER OPTIONS
    const [before, after] = line.split(' - ');
    if (!before || !after) continue;
    const mountPoint = before.split(' ')[4]!;
    const [fstype, , superOptions = ''] = after.split(' ');
    if (fstype === 'cgroup2' && unified === undefined) unified = mountPoint;
    if (fstype !== 'cgroup') continue;
    for (const option of superOptions.split(',')) {
      if ((CONTROLLERS as readonly string[]).includes(option)) hierarchies[option as Controller] ??= mountPoint;
    }
  }
  if (Object.keys(hierarchies).length > 0) return { version: 1, mode: unified ? 'hybrid' : 'v1', hierarchies };
  if (unified) return { version: 2, mode: 'v2', root: unified };
  throw new Error('no cgroup filesystem is mounted: mount cgroup2 on /sys/fs/cgroup (or boot with systemd)');
}
