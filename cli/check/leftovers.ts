// What a checker run leaves behind when it is stopped before its end. vitest ends within a few ms of
// SIGINT or SIGTERM (its handler calls process.exit()), so no spec's afterAll runs: the lab host's
// anchor, a container, the spec's cgroups and its state root stay (measured with vitest 5.1: after
// SIGINT to vitest alone, the lab host's `sleep infinity` lived on, reparented to init). Everything
// a run makes is named after the pid of its vitest (checker/harness/containment.ts: cgroups
// `mydocker-checker/<spec>-<pid>`; checker/harness/mydocker.ts: state roots `mydocker-check-<pid>-*`,
// and the specs' scratch directories, `mydocker-check-<pid>-<what>-*`),
// so once that process has exited, its leftovers can be found and removed by that pid alone, without
// touching any other run on the machine.
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupProcesses, cgroupTreeDeepestFirst, removeCgroupTree } from '../../checker/harness/cgroup-tree.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
const TOP = 'mydocker-checker';
const KILL_ROUNDS = 100;
const KILL_ROUND_MS = 20;

/** The cgroups a run made: `<hierarchy>/mydocker-checker/<spec>-<pid>` on v1, `mydocker-checker/<spec>-<pid>` on v2. */
export function runCgroups(pid: number, root = CGROUP_ROOT): string[] {
  const hierarchies = [root];
  try {
    for (const entry of readdirSync(root, { withFileTypes: true }))
      if (entry.isDirectory()) hierarchies.push(join(root, entry.name));
  } catch {
    return [];
  }
  return hierarchies.flatMap((hierarchy) => {
    const top = join(hierarchy, TOP);
    try {
      return readdirSync(top, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && entry.name.endsWith(`-${pid}`))
        .map((entry) => join(top, entry.name));
    } catch {
      return [];
    }
  });
}

/** The state roots a run made under `tmp`. */
export function runStateRoots(pid: number, tmp: string): string[] {
  try {
    return readdirSync(tmp)
      .filter((name) => name.startsWith(`mydocker-check-${pid}-`))
      .map((name) => join(tmp, name));
  } catch {
    return [];
  }
}

function processesIn(cgroups: readonly string[]): number[] {
  const pids = cgroups.flatMap(cgroupTreeDeepestFirst).flatMap(cgroupProcesses);
  return [...new Set(pids)];
}

/** A path some mount sits on or below, in this process's mount namespace: never removed recursively. */
function hasMountBelow(path: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((line) => {
        const point = line.split(' ')[4];
        return point !== undefined && (point === path || point.startsWith(`${path}/`));
      });
  } catch {
    return true;
  }
}

/**
 * The live processes of process group `pgid` (zombies left out: a zombie holds nothing but its pid,
 * and where PID 1 does not reap orphans, as on this project's CI VM, one never leaves).
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so count from the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return members;
}

/**
 * Waits until process group `pgid` has no live process left: vitest's watchdog (a child that ignores
 * SIGINT and ends when vitest does) outlives it by a few ms. What is left after `graceMs` is killed.
 */
export async function awaitGroupEnd(pgid: number, graceMs = 2_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
      if (Date.now() > deadline + 1_000) return;
    }
    await new Promise((resolve) => setTimeout(resolve, KILL_ROUND_MS));
  }
}

export interface Leftovers {
  killed: number[];
  cgroups: string[];
  stateRoots: string[];
}

/**
 * Removes what the checker run of vitest `pid` left: kills every process still in its cgroups
 * (SIGKILL, until none is left: a process may fork meanwhile), removes the cgroups deepest first and
 * `mydocker-checker` when it was the last run in it, then the run's state roots under `tmp` (they hold
 * no host mount: the runtime mounts inside the lab host's own mount namespace; one that does is kept).
 * Only for a pid whose process has exited. Returns what it removed.
 */
export async function removeRunLeftovers(pid: number, tmp: string, cgroupRoot = CGROUP_ROOT): Promise<Leftovers> {
  const cgroups = runCgroups(pid, cgroupRoot);
  const killed = new Set<number>();
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const pids = processesIn(cgroups);
    if (pids.length === 0) break;
    for (const victim of pids) {
      try {
        process.kill(victim, 'SIGKILL');
        killed.add(victim);
      } catch {
        // gone already
      }
    }
    await new Promise((resolve) => setTimeout(resolve, KILL_ROUND_MS));
  }
  for (const cgroup of cgroups) {
    // What stays busy, the next run's containment removes: its owner is dead.
    removeCgroupTree(cgroup);
    try {
      rmdirSync(join(cgroup, '..')); // mydocker-checker, when no other run uses it
    } catch {
      // other runs' cgroups are in it
    }
  }
  const stateRoots = runStateRoots(pid, tmp).filter((dir) => !hasMountBelow(dir));
  for (const dir of stateRoots) rmSync(dir, { recursive: true, force: true });
  return { killed: [...killed], cgroups: cgroups.filter((dir) => !existsSync(dir)), stateRoots };
}

/** The bundle files a build in vitest `pid` was writing when it stopped (scripts/build/runtime.mjs writes `<file>.<pid>.tmp`, then renames). */
export function removeBuildTemporaries(pid: number, dir: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(`.${pid}.tmp`));
  } catch {
    return [];
  }
  for (const name of names) rmSync(join(dir, name), { force: true });
  return names.map((name) => join(dir, name));
}
