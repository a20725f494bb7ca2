// Lab ch7-cgroupns: a cgroup namespace, so that the container sees its own cgroup as the root of
// every hierarchy. Without one, /proc/self/cgroup shows it where it sits on the host
// (/mydocker/<id>), and a container that can mount cgroupfs sees, and can write, the whole tree: the
// root cgroup's cgroup.procs among it, where -m and --pids-limit no longer apply. In a cgroup
// namespace a cgroupfs mounted inside shows only the subtree below the namespace's root
// (cgroup_namespaces(7)), and paths are shown relative to it.
import { CLONE_NEWCGROUP } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';
import type { SecurityContext } from './resolve.ts';

/**
 * A namespace of its own unless `--cgroupns host`: docker's default on cgroup v2 is `private`, and
 * the runtime makes it the default on v1 too (docker's v1 default is `host`). --privileged does not
 * change it, nor does it in docker.
 */
export function resolveCgroupNamespace(options: SecurityOptions, context: SecurityContext): boolean {
  void context;
  return options.cgroupns !== 'host';
}

/**
 * The container's step right after it joined its cgroups (buildPlan in container/setup.ts calls it
 * there): a cgroup namespace of its own when `enabled`.
 */
export function enterCgroupNamespace(kernel: Kernel, enabled: boolean): void {
  // SOLUTION: unshare(2), not a clone flag. A new cgroup namespace's root is the cgroup its maker is
  // in at the moment it is made, in every hierarchy (copy_cgroup_ns in kernel/cgroup/namespace.c
  // takes the caller's css_set). At clone the child is still in the shim's cgroups: a CLONE_NEWCGROUP
  // there would root the namespace at the shim's cgroup, and once the child joined its own it would
  // see itself as /../containers/<id>, with its parent's subtree in view. Here, after the joins, its
  // own cgroup becomes its "/". Its children inherit the namespace; `mydocker exec` joins it (setns).
  if (!enabled) return;
  kernel.unshare(CLONE_NEWCGROUP);
}
