// What a container's hardening is, resolved from its flags (options.ts) once, before the plan is
// built: each part of chapter 7 resolves its own share, in its own module, and the plan's steps
// (container/setup.ts) use the result. `run`, `start` and `exec` all resolve it the same way.
import type { CgroupSystem } from '../cgroups/system.ts';
import { resolveCapabilities, type CapabilitySets } from './capabilities.ts';
import { capabilityNamesOf } from './capability-names.ts';
import { resolveCgroupNamespace } from './cgroupns.ts';
import { resolveDevices, type DeviceSpec } from './devices.ts';
import type { SecurityOptions } from './options.ts';
import { resolveKernelPaths, type KernelPaths } from './paths.ts';
import { resolveNoNewPrivileges } from './privileges.ts';
import { resolveSeccomp, type SeccompFilter } from './seccomp/resolve.ts';
import { resolveUserNamespace, type UserNamespace } from './userns.ts';

export interface SecurityContext {
  /** The machine's cgroup driver: the devices cgroup (v1) or a BPF device program (v2). */
  cgroups: CgroupSystem;
  /** mydocker runs as an ordinary user (rootless): what needs root on the host is left out, and said. */
  rootless: boolean;
}

export interface ContainerSecurity {
  /** The five capability sets; undefined: the caller's are kept (the unhardened stub). */
  capabilities: CapabilitySets | undefined;
  /** prctl(PR_SET_NO_NEW_PRIVS): execve can never again give more privileges (setuid, file caps). */
  noNewPrivileges: boolean;
  /** The compiled seccomp filter; undefined: none (unconfined, --privileged, or the stub). */
  seccomp: SeccompFilter | undefined;
  /** The /proc and /sys paths masked and made read-only. */
  kernelPaths: KernelPaths;
  /** The devices the container may use and the nodes it gets (--device). */
  devices: DeviceSpec;
  /** A cgroup namespace of its own: its cgroup is its "/". */
  cgroupNamespace: boolean;
  /** Its user namespace's id maps (--userns remap, rootless); undefined: none (--userns host). */
  users: UserNamespace | undefined;
}

export function resolveSecurity(options: SecurityOptions, context: SecurityContext): ContainerSecurity {
  const capabilities = resolveCapabilities(options);
  return {
    capabilities,
    noNewPrivileges: resolveNoNewPrivileges(options),
    // docker's profile allows some calls only with a capability (includes.caps): those of the
    // container's bounding set; undefined (the caller's, unhardened): every one.
    seccomp: resolveSeccomp(options, capabilities && capabilityNamesOf(capabilities.bounding)),
    kernelPaths: resolveKernelPaths(options),
    devices: resolveDevices(options, context),
    cgroupNamespace: resolveCgroupNamespace(options, context),
    users: resolveUserNamespace(options, context),
  };
}
