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
// TODO: which of the container's namespaces can the shim join before the fork, and which one must it?
export const JOINED_BEFORE_FORK: ReadonlyArray<readonly [Namespace, number]> = [];

/**
 * `shim` is the shim itself, before it forks (it can only setns); `child` is the process it forks,
 * which ends by exec'ing the command.
 */
export function enterContainer(shim: NamespaceJoiner, child: Kernel, target: ExecTarget): void {
  // TODO: this joins everything in the child, after the fork, and it even runs. Look from the host:
  // is the command in the container's PID namespace (what is PID 1 for it)? What does setns(2) say
  // CLONE_NEWPID changes: the caller, or the caller's children? Then: who must join it?
  void shim;
  child.setns(namespaceFile(target.pid, 'uts'), CLONE_NEWUTS);
  child.setns(namespaceFile(target.pid, 'ipc'), CLONE_NEWIPC);
  child.setns(namespaceFile(target.pid, 'net'), CLONE_NEWNET);
  child.setns(namespaceFile(target.pid, 'pid'), CLONE_NEWPID);
  // TODO: the container's limits apply to its processes through its cgroups (target.cgroups). Where
  // must the join come, given that the files are host paths? Try it after the mount namespace.
  child.setns(namespaceFile(target.pid, 'mnt'), CLONE_NEWNS);
  // TODO: where does the command start? (-w, or the image's working directory)
  child.exec(target.command, target.env);
}
