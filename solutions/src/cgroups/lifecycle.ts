// Lab ch2-lifecycle: a container's cgroups, from birth to removal, as steps the shim performs on the
// host: while the container waits at the barrier, and after it has ended (or never started).
import { join } from 'node:path';
import type { HostSteps } from '../kernel/plan.ts';

/** A value for a control file, with the full path the driver worked out. */
export interface ControlWrite {
  path: string;
  value: string;
}

/**
 * `leaves` are the container's own cgroup directories (one per v1 hierarchy, one in v2), `writes` its
 * limits. The container must be limited before its first instruction, and its cgroups must go when
 * it ends, however it ends.
 */
export function cgroupSteps(leaves: readonly string[], writes: readonly ControlWrite[]): HostSteps {
  // SOLUTION: mkdir makes a cgroup (the kernel fills it with control files); limits next; joining last,
  // so the process is never in a cgroup without its limits (it waits at the barrier meanwhile).
  // Writing a pid to cgroup.procs moves that process; its children will be born inside.
  const remove = leaves.map((dir) => ({ op: 'rmdir' as const, path: dir }));
  return {
    created: [
      ...leaves.map((dir) => ({ op: 'mkdir' as const, path: dir })),
      ...writes.map(({ path, value }) => ({ op: 'set' as const, path, content: value })),
      ...leaves.map((dir) => ({ op: 'set' as const, path: join(dir, 'cgroup.procs'), content: '{pid}' })),
    ],
    // SOLUTION: a cgroup is removed with rmdir once empty (the files inside are not real files).
    // After a normal end, a kill -9 and a failed start alike.
    ended: remove,
    failed: remove,
  };
}
