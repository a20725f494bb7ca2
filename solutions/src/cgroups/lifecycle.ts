// Lab ch2-lifecycle: a container's cgroups, from birth to removal. The host makes and limits them while
// the container waits at the barrier; the container moves itself in, first thing; the host removes
// them after it has ended (or never started).
import { join } from 'node:path';
import type { HostSteps } from '../kernel/plan.ts';

/** A value for a control file, with the full path the driver worked out. */
export interface ControlWrite {
  path: string;
  value: string;
}

export interface CgroupSteps extends HostSteps {
  /** The files the container writes "0" into, before anything else, to move itself into its cgroups. */
  join: string[];
}

/**
 * `leaves` are the container's own cgroup directories (one per v1 hierarchy, one in v2), `writes` its
 * limits, and `joinFile` the file in each leaf that moves a process in (v1 `tasks`, v2 `cgroup.procs`).
 * The container must be limited before its first instruction, and its cgroups must go when it ends,
 * however it ends.
 */
export function cgroupSteps(leaves: readonly string[], writes: readonly ControlWrite[], joinFile: string): CgroupSteps {
  // SOLUTION: mkdir makes a cgroup (the kernel fills it with control files), then the limits: both on
  // the host while the container waits at the barrier. Joining comes after both, so the process is
  // never in a cgroup without its limits; the container does it itself, as its plan's first steps.
  const remove = leaves.map((dir) => ({ op: 'rmdir' as const, path: dir }));
  return {
    created: [
      ...leaves.map((dir) => ({ op: 'mkdir' as const, path: dir })),
      ...writes.map(({ path, value }) => ({ op: 'set' as const, path, content: value })),
    ],
    join: leaves.map((dir) => join(dir, joinFile)),
    // SOLUTION: a cgroup is removed with rmdir once empty (the files inside are not real files).
    // After a normal end, a kill -9 and a failed start alike.
    ended: remove,
    failed: remove,
  };
}
