// The container's side of `run`, in order: the recipe the shim executes in the new namespaces.
// Each step is a lab's function, from chapter 1 (namespaces, /proc, the hostname) to chapter 4
// (the overlay root, volumes); the order is part of the lesson (see chapters/01-namespaces).
import type { Kernel, Namespace } from '../kernel/kernel.ts';
import { PlanKernel, type EnterStep, type HostSteps, type Plan } from '../kernel/plan.ts';
import type { Stdio } from './stdio.ts';
import { RuntimeError } from '../errors.ts';
import { MS_BIND, MS_REMOUNT } from '../kernel/constants.ts';
import { containerEntry } from '../kernel/ops.ts';
import { execCommand } from './command.ts';
import { setHostname } from './hostname.ts';
import { configureInterfaces } from '../network/veth.ts';
import type { Endpoint } from '../network/types.ts';
import { makeMountsPrivate } from './mounts.ts';
import { cloneFlags, containerNamespaces } from './namespaces.ts';
import { mountProc } from './proc.ts';
import { mountDev } from '../rootfs/dev.ts';
import { bindEtcFiles, type EtcFiles } from '../rootfs/etc-files.ts';
import { enterRootfs } from '../rootfs/pivot-root.ts';
import { mountSys } from '../rootfs/sysfs.ts';
import { mountRootfs, type RootfsLayers } from '../union/overlay.ts';
import { mountVolumes, type Volume } from '../union/volumes.ts';
import { enterCgroupNamespace } from '../security/cgroupns.ts';
import { addDevices } from '../security/devices.ts';
import { protectKernelPaths } from '../security/paths.ts';
import { dropPrivileges } from '../security/privileges.ts';
import type { ContainerSecurity } from '../security/resolve.ts';
import { enterUserNamespace } from '../security/userns.ts';
import { RootedKernel } from './rooted-kernel.ts';

export interface ContainerSpec {
  hostname: string;
  command: readonly string[];
  env: readonly string[];
  /** The image's root filesystem; absent for the pseudo-image 'host' (chapters 1 and 2). */
  rootfs?: RootfsSpec;
  /** -t: a terminal of its own (chapter 5). */
  terminal?: boolean;
  /**
   * Its network namespace's own links (chapter 6): lo, and eth0 when it has an endpoint. Absent when
   * the container shares a namespace (--network host, container:X) and before chapter 6.
   */
  network?: { endpoint?: Endpoint };
  /** Its hardening (chapter 7), resolved from its flags (security/resolve.ts); absent before chapter 7. */
  security?: ContainerSecurity;
}

export interface RootfsSpec {
  /** The state root, where the container stands (chdir) while it builds its root: see layout.ts. */
  storeRoot: string;
  /** The layers to stack, paths relative to storeRoot (see overlay.ts). */
  layers: RootfsLayers;
  /** Where the root is assembled: containers/<id>/rootfs. */
  target: string;
  etcFiles: EtcFiles;
  volumes: readonly Volume[];
  /** The image's working directory; `/` when it names none. */
  workingDir: string;
}

/** The set-up steps, written against any Kernel: the plan recorder, or a fake in tests. */
export function setUpContainer(kernel: Kernel, spec: ContainerSpec): void {
  makeMountsPrivate(kernel); // first: nothing mounted after it can reach the host
  if (spec.rootfs) {
    const { rootfs } = spec;
    kernel.chdir(rootfs.storeRoot);
    mountRootfs(kernel, rootfs.layers, rootfs.target);
    // Host paths: bound into the new root while they can still be reached, before pivot_root.
    bindEtcFiles(kernel, rootfs.target, rootfs.etcFiles);
    mountVolumes(kernel, rootfs.target, rootfs.volumes);
    // In a user namespace the kernel mounts a new proc or sysfs only while one of the host's is still
    // in the mount namespace, fully visible (mount_too_revealing, fs/namespace.c: else EPERM), and
    // makes no device node (mknod needs CAP_MKNOD in the initial namespace). So there, chapter 3's
    // steps run before pivot_root, under the new root, with the host's nodes bound for /dev's
    // (rooted-kernel.ts). Their mount points are the init layer's directories, never the image's.
    const inUserNamespace = spec.security?.users !== undefined;
    // Chapter 7: the --device nodes once /dev is there (in a user namespace, binds of the host's too).
    if (inUserNamespace) {
      const hostNodes = new Map(spec.security?.devices.nodes.map((node) => [node.path, node.hostPath]));
      const rooted = new RootedKernel(kernel, rootfs.target, hostNodes);
      mountKernelFilesystems(rooted);
      if (spec.security) addDevices(rooted, spec.security.devices);
    }
    enterRootfs(kernel, rootfs.target);
    if (!inUserNamespace) mountKernelFilesystems(kernel);
    if (spec.security && !inUserNamespace) addDevices(kernel, spec.security.devices);
    // /proc's and /sys's dangerous files masked or made read-only once they are mounted (and while
    // the container may still mount).
    if (spec.security) protectKernelPaths(kernel, spec.security.kernelPaths);
    kernel.chdir(rootfs.workingDir);
  } else {
    mountProc(kernel);
  }
  // The terminal after /dev: its /dev/ptmx opens it in the container's own devpts instance (mountDev),
  // never the host's (for the pseudo-image 'host', which has no /dev of its own, it is the host's).
  if (spec.terminal) kernel.pty();
  // Its links, in its own network namespace: the veth's peer is there already (the host made it
  // while the container waited at its barrier).
  if (spec.network) configureInterfaces(kernel, spec.network.endpoint);
  setHostname(kernel, spec.hostname);
  // Chapter 7: after every step that needs privileges, before the command: no_new_privs, the seccomp
  // filter, the capabilities (lab ch7-privileges decides their order).
  if (spec.security) dropPrivileges(kernel, spec.security);
  execCommand(kernel, spec.command, spec.env); // last: it replaces the set-up process
}

/** Chapter 3's /proc, /sys and /dev, in their order. */
function mountKernelFilesystems(kernel: Kernel): void {
  mountProc(kernel);
  mountSys(kernel);
  mountDev(kernel);
}

export function buildPlan(
  spec: ContainerSpec,
  options: {
    stdio: Stdio;
    host: HostSteps;
    join?: readonly string[];
    /** --network host or container:X: no network namespace of its own; container:X's is joined first. */
    sharedNetwork?: { enter: EnterStep[] };
  },
): Plan {
  const kernel = new PlanKernel();
  // First of all, the container moves itself into its cgroups, which the host made and limited while
  // it waited at the barrier: from here on every step, and the command, is limited.
  for (const file of options.join ?? []) kernel.joinCgroup(file);
  // Chapter 7: with a user namespace, the container becomes its root (the shim wrote its id maps
  // while it waited): every later step is that root's, with the capabilities of its own namespace.
  if (spec.security) enterUserNamespace(kernel, spec.security.users);
  // Then a cgroup namespace (chapter 7), rooted where the container now is: its own cgroup.
  if (spec.security) enterCgroupNamespace(kernel, spec.security.cgroupNamespace);
  setUpContainer(kernel, { ...spec, terminal: options.stdio.terminal });
  // A container that shares a network namespace gets none of its own: no CLONE_NEWNET.
  // A user namespace (chapter 7) is made with the others, in the same clone(2): the kernel makes it
  // first, and it owns the rest, so the container's root may mount, name its host and set up its
  // links in them (user_namespaces(7), "Interaction of user namespaces and other types of namespaces").
  const namespaces: Namespace[] = [
    ...(spec.security?.users ? (['user'] as const) : []),
    ...containerNamespaces().filter((ns) => ns !== 'net' || !options.sharedNetwork),
  ];
  const enter = options.sharedNetwork?.enter ?? [];
  const plan: Plan = {
    namespaces,
    cloneFlags: cloneFlags(namespaces),
    stdin: options.stdio.stdin,
    ...(enter.length > 0 && { enter }),
    output: options.stdio.output,
    steps: kernel.steps,
    host: options.host,
  };
  refuseHostChanges(plan);
  return plan;
}

/**
 * Seat belts while the labs are half done, for steps the sandbox cannot contain:
 * - a mount, a pivot_root or a mknod without a mount namespace, or a hostname without a UTS
 *   namespace, would change the host itself;
 * - a remount without MS_BIND changes the flags of the mounted filesystem's superblock, which every
 *   mount of that filesystem shares, the host's included (mount(2), "Remounting an existing mount"):
 *   `MS_REMOUNT | MS_RDONLY` on a volume makes the host's disk read-only. With MS_BIND it changes
 *   only the one mount point's flags. The container never needs the other kind.
 * Refuse such a plan instead of running it.
 */
export function refuseHostChanges(plan: Plan): void {
  for (const step of plan.steps) {
    if (step.op === 'mount' && (step.flags & MS_REMOUNT) !== 0 && (step.flags & MS_BIND) === 0) {
      throw new RuntimeError(
        `refusing to run: the remount of ${step.target} has no MS_BIND, so it would change its whole filesystem, the host's mounts of it too (see lab ch4-volumes)`,
      );
    }
    const namespace = containerEntry(step).contains;
    if (namespace && !plan.namespaces.includes(namespace)) {
      throw new RuntimeError(
        `refusing to run: step ${step.op} would change the host, because the container has no ${namespace} namespace (see lab ch1-namespaces)`,
      );
    }
  }
  // The veth's peer is made in the container's network namespace: without one of its own, that is
  // the host's, which would get a second "eth0".
  if (plan.host.created.some((step) => step.op === 'veth') && !plan.namespaces.includes('net')) {
    throw new RuntimeError(
      "refusing to run: the veth's peer would be made in the host's network namespace, because the container has no net namespace (see lab ch1-namespaces)",
    );
  }
}
