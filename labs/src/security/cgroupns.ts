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
  // TODO(ch7-cgroupns): the container still sees its cgroup as the host names it (cat
  // /proc/self/cgroup). Give it a cgroup namespace of its own, rooted at the cgroup it is in now: its
  // own, which it joined a step ago. Which call makes a namespace for the caller itself, and why
  // can this one not be one of clone's flags, as the other namespaces are (what is its root then)?
  void kernel;
  void enabled;
  void CLONE_NEWCGROUP;
}
