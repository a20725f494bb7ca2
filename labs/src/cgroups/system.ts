// Which cgroup system this machine has, read from the mount table (mountinfo(5)):
//   v1      a hierarchy per controller (cgroup mounts, the controller names in their super options)
//   hybrid  v1 hierarchies for the controllers, and an empty cgroup2 beside them (this project's
//           machines; older systemd defaults)
//   v2      one cgroup2 hierarchy with every controller (the default of Debian 11+, Ubuntu 21.10+)
// In hybrid mode the controllers live on v1, so the runtime drives v1.
// This is the one rule for the whole project: `lab doctor`, the VM runner (vm/checker.mjs) and the
// checker's harness ask drivesCgroupV2() too, so none of them can disagree with the runtime. It stays
// here, in the runtime's tree, because a runtime tree is built on its own (the dev check builds copies
// of it elsewhere); the others import it from solutions/, whose scaffolding is the instructor's.
import { readFileSync } from 'node:fs';

/**
 * The controllers mydocker uses. cpuacct only counts (v1); v2 counts in cpu.stat. devices holds v1's
 * allow-list of devices (chapter 7); v2 has no such controller, but a BPF program (security/devices.ts).
 */
export type Controller = 'memory' | 'cpu' | 'cpuacct' | 'cpuset' | 'pids' | 'devices';
export const CONTROLLERS: readonly Controller[] = ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids', 'devices'];

export type CgroupSystem =
  | { version: 1; mode: 'v1' | 'hybrid'; hierarchies: Partial<Record<Controller, string>> }
  | { version: 2; mode: 'v2'; root: string };

/**
 * The system of this machine, read at the first call of the process and kept: a daemon asks at every
 * container's start (reading and parsing the mount table took 0.2 ms of its thread each time). The
 * hierarchies stay where they are mounted while a process runs, as runc and containerd take it too
 * (libcontainer's cgroup root and containerd/cgroups' Mode() are found once per process, then kept).
 * Given a mount table, it reads that one.
 */
export function detectCgroups(mountinfo?: string): CgroupSystem {
  if (mountinfo !== undefined) return systemOf(mountinfo);
  return (thisMachinesSystem ??= systemOf(readFileSync('/proc/self/mountinfo', 'utf8')));
}

let thisMachinesSystem: CgroupSystem | undefined;

function systemOf(mountinfo: string): CgroupSystem {
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

/** Whether the runtime drives cgroup v2 here: true only when no v1 hierarchy holds its controllers. */
export function drivesCgroupV2(mountinfo?: string): boolean {
  try {
    return detectCgroups(mountinfo).version === 2;
  } catch {
    return false; // no cgroup filesystem at all
  }
}
