// Lab ch1-namespaces: which namespaces a container gets, and the clone(2) flags that create them.
import {
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
} from '../kernel/constants.ts';
import type { Namespace } from '../kernel/kernel.ts';

/** The clone(2) flag for each namespace (man 7 namespaces, the table under "Namespace types"). */
export const CLONE_FLAG: Record<Namespace, number> = {
  mnt: CLONE_NEWNS, // the first namespace (2002): nobody expected more, so its flag is just "NEW NS"
  uts: CLONE_NEWUTS,
  ipc: CLONE_NEWIPC,
  pid: CLONE_NEWPID,
  net: CLONE_NEWNET,
  user: CLONE_NEWUSER,
  cgroup: CLONE_NEWCGROUP,
};

/** The namespaces every container gets, as in the book's chapter 3: all but user and cgroup. */
export function containerNamespaces(): Namespace[] {
  // TODO: return the five namespaces that isolate hostname, processes, mounts, IPC and network.
  // Run `ls -l /proc/self/ns` to see the names. Why leave out `user`? (What would root inside be?)
  return [];
}

/** The flags for clone(2): one bit per namespace, OR-ed together. */
export function cloneFlags(namespaces: readonly Namespace[]): number {
  // TODO: combine CLONE_FLAG[ns] for every namespace. Why is `|` right here and `+` risky?
  void namespaces;
  return 0;
}
