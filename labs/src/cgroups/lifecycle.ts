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
  // TODO: `created` runs on the host while the container waits at the barrier: make each leaf (`mkdir`),
  // then apply each write (`set`, one write(2) per control file). `join` lists, for each leaf, the
  // file the container writes "0" into to move itself in, first thing after the barrier. Why must
  // joining come after the limits, and why can it not wait until the command runs? `ended` and
  // `failed` remove each leaf (`rmdir`). Why rmdir, when a cgroup directory is full of files? (Try
  // `rm -r` on one.)
  void join;
  void leaves;
  void writes;
  void joinFile;
  return { created: [], join: [], ended: [], failed: [] };
}
