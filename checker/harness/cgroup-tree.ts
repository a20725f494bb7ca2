// A cgroup and everything below it, as the checker's containment, a stopped run's clean-up
// (cli/check/leftovers.ts) and lab grade's budget (cli/grade/budget.ts) walk it: children before
// their parent, because rmdir(2) of a cgroup with child cgroups fails (EBUSY), as it does while the
// cgroup still has processes.
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** The cgroup directories under `dir`, deepest first, `dir` last; none when `dir` is gone. */
export function cgroupTreeDeepestFirst(dir: string): string[] {
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
  return [...children.flatMap(cgroupTreeDeepestFirst), dir];
}

/** The pids in one cgroup (its cgroup.procs), none when it is gone. */
export function cgroupProcesses(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Removes a cgroup tree, deepest first; a cgroup that still has processes stays (rmdir: EBUSY). */
export function removeCgroupTree(dir: string): void {
  for (const cgroup of cgroupTreeDeepestFirst(dir)) {
    try {
      rmdirSync(cgroup);
    } catch {
      // still in use, or gone
    }
  }
}
