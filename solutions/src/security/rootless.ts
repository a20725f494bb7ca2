// What a container cannot have when mydocker runs as an ordinary user (rootless), or in a user
// namespace: each refused before anything is made, in one line that says why and what works.
import type { Resources } from '../cgroups/resources.ts';
import type { CgroupSystem } from '../cgroups/system.ts';
import { UsageError } from '../errors.ts';
import type { NetworkRequest } from '../network/mode.ts';

/**
 * Rootless, the container gets no cgroup: on v1 only root may make one (the hierarchies are root's),
 * and on v2 an ordinary user may write only below a cgroup delegated to them (systemd's
 * Delegate=yes, cgroups(7) "Cgroups v2 delegation"), which this runtime does not look for. Without a
 * cgroup there is no limit to set.
 */
export function refuseRootlessLimits(resources: Resources, system: CgroupSystem): void {
  if (Object.keys(resources).length === 0) return;
  const why =
    system.version === 1
      ? 'cgroup v1 lets only root make cgroups'
      : 'cgroup v2 lets an ordinary user write only in a cgroup delegated to them, and mydocker uses none rootless';
  throw new UsageError(
    `rootless: -m, --memory-swap, --cpus, --cpuset-cpus and --pids-limit need a cgroup, and ${why}: run as root, or without limits`,
  );
}

/**
 * Rootless, the only network is none: a bridge, its veth pairs and its NAT rules need CAP_NET_ADMIN
 * on the host (slirp4netns would do it in user space; this runtime has none).
 */
export function refuseRootlessNetwork(request: NetworkRequest): void {
  if (request.mode === 'none') return;
  throw new UsageError(
    `rootless: --network ${request.mode === 'bridge' ? request.network : request.mode} needs root on the host (a bridge, veth pairs, NAT rules): use --network none`,
  );
}

/**
 * In a user namespace the container mounts its own sysfs, which the kernel allows only for a network
 * namespace that its user namespace owns (sysfs_get_tree in fs/sysfs/mount.c): not the host's (host),
 * nor another container's (container:X), made before this one's user namespace.
 */
export function refuseSharedNetwork(request: NetworkRequest, userns: string): void {
  if (request.mode !== 'host' && request.mode !== 'container') return;
  const name = request.mode === 'host' ? 'host' : `container:${request.container}`;
  throw new UsageError(
    `--network ${name} with a user namespace (${userns}): the kernel mounts the container's /sys only for a network namespace of its own: use --network none or bridge`,
  );
}
