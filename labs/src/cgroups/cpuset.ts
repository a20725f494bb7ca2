// Lab ch2-cpuset: the CPUs a container may run on.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

/**
 * --cpuset-cpus as a setting. (On v1 the runtime also fills every new cpuset cgroup's cpuset.cpus and
 * cpuset.mems from its parent first, because they start empty and a task cannot join a cpuset with no
 * CPUs: write(cgroup.procs) fails with ENOSPC. See cgroups/driver.ts.)
 */
export function cpusetSettings(resources: Resources, version: 1 | 2): Setting[] {
  // TODO: with --cpuset-cpus (resources.cpusetCpus, like "0" or "0-1"), one setting of the cpuset
  // controller. Is the file name the same in v1 and v2? After it runs, compare Cpus_allowed_list in
  // /proc/<pid>/status of the container with the host's.
  void resources;
  void version;
  return [];
}
