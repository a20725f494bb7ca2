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
  // SOLUTION: five namespaces. user is left out because the runtime runs as root and maps no ids
  // (a later chapter); cgroup is left out until the cgroups chapter has given the container one.
  return ['uts', 'pid', 'mnt', 'ipc', 'net'];
}

/** The flags for clone(2): one bit per namespace, OR-ed together. */
export function cloneFlags(namespaces: readonly Namespace[]): number {
  // SOLUTION: each flag is a distinct bit, so OR-ing them cannot lose one (adding could, if a
  // namespace were listed twice).
  return namespaces.reduce((flags, ns) => flags | CLONE_FLAG[ns], 0);
}
