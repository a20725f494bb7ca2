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
  // TODO: `created` runs while the container waits at the barrier, with {pid} its pid. Make each leaf
  // (`mkdir`), apply each write (`set`, one write(2) per control file), and put the container in
  // every leaf (`set <leaf>/cgroup.procs` to '{pid}'). Why must joining come after the limits, and
  // why can this not wait until the command runs? `ended` and `failed` remove each leaf (`rmdir`).
  // Why rmdir, when a cgroup directory is full of files? (Try `rm -r` on one.)
  void join;
  void leaves;
  void writes;
  return { created: [], ended: [], failed: [] };
}
