// Lab ch2-cpuset: the CPUs a container may run on.
import type { Resources } from './resources.ts';
import type { Setting } from './setting.ts';

/**
 * --cpuset-cpus as a setting. (On v1 the runtime also fills every new cpuset cgroup's cpuset.cpus and
 * cpuset.mems from its parent first, because they start empty and a task cannot join a cpuset with no
 * CPUs: write(cgroup.procs) fails with ENOSPC. See cgroups/driver.ts.)
 */
export function cpusetSettings(resources: Resources, version: 1 | 2): Setting[] {
  // SOLUTION: the same file name in both versions; in v2 an empty cpuset.cpus means "the parent's".
  void version;
  if (resources.cpusetCpus === undefined) return [];
  return [{ controller: 'cpuset', file: 'cpuset.cpus', value: resources.cpusetCpus }];
}
