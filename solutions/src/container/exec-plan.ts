// Lab ch5-exec: join a running container. `mydocker exec` starts no new namespace: the shim moves
// itself into the container's, then forks the process that runs the command. Which namespace is
// joined by whom, and in which order, is the lesson; commands/exec.ts finds the target and runs the plan.
import { CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS } from '../kernel/constants.ts';
import type { Kernel, Namespace } from '../kernel/kernel.ts';
import type { NamespaceJoiner } from '../kernel/plan.ts';

/** The running container, as the host sees it. */
export interface ExecTarget {
  /** Its PID 1, as the host numbers it: /proc/<pid>/ns/<type> are its namespaces. */
  pid: number;
  /** The files that move a process into each of its cgroups, as host paths (/sys/fs/cgroup/...). */
  cgroups: readonly string[];
  /** Where the command starts: -w, or the image's working directory. */
  workingDir: string;
  command: readonly string[];
  env: readonly string[];
}

/** /proc/<pid>/ns/<type>: the handle setns(2) takes for one namespace of a process. */
export function namespaceFile(pid: number, type: string): string {
  return `/proc/${pid}/ns/${type}`;
}

/**
 * The namespaces the shim joins itself, before the fork, in this order (the mount namespace is not
 * among them: the child joins it, last).
 */
export const JOINED_BEFORE_FORK: ReadonlyArray<readonly [Namespace, number]> = [
  ['ipc', CLONE_NEWIPC],
  ['uts', CLONE_NEWUTS],
  ['net', CLONE_NEWNET],
  ['pid', CLONE_NEWPID],
];

/**
 * `shim` is the shim itself, before it forks (it can only setns); `child` is the process it forks,
 * which ends by exec'ing the command.
 */
export function enterContainer(shim: NamespaceJoiner, child: Kernel, target: ExecTarget): void {
  // SOLUTION: the shim joins ipc, uts, net and pid itself, before the fork; the fork inherits them.
  // PID is the one that must be here: setns(2) with CLONE_NEWPID changes only the namespace the
  // caller's *children* are made in (/proc/self/ns/pid_for_children), never the caller's own. So the
  // child that clone() makes next is a process of the container's PID namespace, where PID 1 is the
  // container's command. (A user namespace, had the container one, would come first of all: it
  // gives the capabilities that joining the others needs.)
  //
  // Then the child joins the cgroups, through their host paths: it is still in the host's mount
  // namespace, where /sys/fs/cgroup is the host's; inside the container there is no cgroupfs at all
  // (ENOENT). It moves itself in, as a container's PID 1 does (the cheap move, native/shim.c).
  //
  // The mount namespace last: after it the host's files are out of reach, /proc/<pid> and
  // /sys/fs/cgroup among them. setns(2) into a mount namespace also sets the root and the working
  // directory to that namespace's root, which after the container's pivot_root is its image
  // (mntns_install in fs/namespace.c). Only now is the working directory a path in the container.
  for (const [type, flag] of JOINED_BEFORE_FORK) shim.setns(namespaceFile(target.pid, type), flag);
  for (const file of target.cgroups) child.joinCgroup(file);
  child.setns(namespaceFile(target.pid, 'mnt'), CLONE_NEWNS);
  child.chdir(target.workingDir);
  child.exec(target.command, target.env);
}
