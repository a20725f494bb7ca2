// A submission's budgets: a cgroup of its own (`lab-grade-<grader pid>/<n>`) that its checker runs in,
// with a memory limit for everything below it, and a clock. The checker's containment
// (checker/harness/containment.ts) puts its own cgroups below it too: the grader hands it
// MYDOCKER_CHECKER_CGROUP_PARENT, so a spec's lab host and containers are inside the budget, not
// beside it at the top of each hierarchy. Killing the submission is killing every process in it.
//
//   lab-grade-<pid>/<n>/                    memory limit (the budget), pids limit
//   lab-grade-<pid>/<n>/checker/            the grader's worker and vitest (learner code runs there)
//   lab-grade-<pid>/<n>/mydocker-checker/   the containment's (lab hosts, mydocker, containers)
//
// Processes only in leaves (cgroup v2: a cgroup with processes cannot enable controllers below it).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupProcesses, cgroupTreeDeepestFirst, removeCgroupTree } from '../../checker/harness/cgroup-tree.ts';
import { detectCgroups, type Controller } from '../../solutions/src/cgroups/system.ts';

export const GRADER_TOP = `lab-grade-${process.pid}`;
/** A submission's checker starts far fewer; a fork bomb in learner code stops here. */
const PIDS_MAX = 4096;

/** The hierarchies a submission's cgroup lives in: v2's root, or the v1 ones the runtime uses. */
function hierarchies(): { v2: boolean; roots: Partial<Record<Controller, string>> & { unified?: string } } {
  const system = detectCgroups();
  if (system.version === 2) return { v2: true, roots: { unified: system.root } };
  return { v2: false, roots: system.hierarchies };
}

function readNumber(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

/** `key value` lines (memory.events, memory.oom_control): the value of `key`, 0 when absent. */
function readKeyed(file: string, key: string): number {
  try {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${key} `));
    return line ? Number(line.split(' ')[1]) || 0 : 0;
  } catch {
    return 0;
  }
}

function enableControllers(dir: string): void {
  const available = readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/);
  const wanted = ['cpu', 'cpuset', 'memory', 'pids'].filter((c) => available.includes(c));
  try {
    writeFileSync(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  } catch {
    // already enabled
  }
}

/** v1: a new cpuset cgroup has no CPUs and no memory nodes; give it its parent's. */
function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readFileSync(join(dir, file), 'utf8').trim() === '')
      writeFileSync(join(dir, file), readFileSync(join(dir, '..', file), 'utf8').trim());
  }
}

/** Removes the cgroups of graders that are gone (stopped with SIGKILL before their clean-up). */
export function removeStaleGraderCgroups(): void {
  const { roots } = hierarchies();
  for (const root of Object.values(roots)) {
    if (!root) continue;
    let names: string[] = [];
    try {
      names = readdirSync(root).filter((name) => /^lab-grade-\d+$/.test(name));
    } catch {
      continue;
    }
    for (const name of names) {
      if (!existsSync(`/proc/${name.slice('lab-grade-'.length)}`)) removeCgroupTree(join(root, name));
    }
  }
}

export class SubmissionCgroup {
  /** Relative to each hierarchy's root: what MYDOCKER_CHECKER_CGROUP_PARENT names. */
  readonly path: string;
  /** The cgroup.procs files the worker writes itself into, one per hierarchy that limits. */
  readonly joinFiles: string[];
  private readonly v2: boolean;
  private readonly roots: Partial<Record<Controller, string>> & { unified?: string };

  constructor(index: number, memoryBytes: number) {
    const { v2, roots } = hierarchies();
    this.v2 = v2;
    this.roots = roots;
    this.path = join(GRADER_TOP, String(index));
    if (v2) {
      const root = roots.unified!;
      enableControllers(root);
      mkdirSync(join(root, GRADER_TOP), { recursive: true });
      enableControllers(join(root, GRADER_TOP));
      const dir = join(root, this.path);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'memory.max'), String(memoryBytes));
      writeFileSync(join(dir, 'pids.max'), String(PIDS_MAX));
      enableControllers(dir);
      mkdirSync(join(dir, 'checker'), { recursive: true });
      this.joinFiles = [join(dir, 'checker', 'cgroup.procs')];
    } else {
      for (const controller of ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset'] as const) {
        const root = roots[controller];
        if (!root) continue;
        mkdirSync(join(root, this.path), { recursive: true });
        if (controller === 'cpuset') for (const dir of [GRADER_TOP, this.path]) inheritCpuset(join(root, dir));
      }
      const memory = join(roots.memory!, this.path);
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(memoryBytes));
      writeFileSync(join(roots.pids!, this.path, 'pids.max'), String(PIDS_MAX));
      this.joinFiles = [memory, join(roots.pids!, this.path)].map((dir) => {
        mkdirSync(join(dir, 'checker'), { recursive: true });
        return join(dir, 'checker', 'cgroup.procs');
      });
    }
  }

  /** The directory that counts processes: v2's cgroup, or v1's pids one. */
  private get countingDir(): string {
    return this.v2 ? join(this.roots.unified!, this.path) : join(this.roots.pids!, this.path);
  }

  pids(): number[] {
    return [...new Set(cgroupTreeDeepestFirst(this.countingDir).flatMap(cgroupProcesses))];
  }

  /** The grader's worker and vitest, not the lab hosts below them. */
  checkerPids(): number[] {
    return cgroupProcesses(join(this.countingDir, 'checker'));
  }

  private sawOomKill = false;

  /**
   * Whether the budget's memory limit was reached and the OOM killer ran for it. Not a limit a check
   * sets itself (a container's `-m`, the containment's): v2 counts `oom` in this cgroup's own
   * memory.events.local; v1 counts the limit's failures here (memory.failcnt counts, at each level,
   * only the charges that level's own limit refused) and needs an OOM kill below, which v1 counts only
   * in the victim's cgroup: a spec's cgroups go at its end, so `watchMemory` looks while it runs.
   */
  memoryRanOut(): boolean {
    if (this.v2) return readKeyed(join(this.roots.unified!, this.path, 'memory.events.local'), 'oom') > 0;
    this.lookForOomKills();
    return this.sawOomKill && readNumber(join(this.roots.memory!, this.path, 'memory.failcnt')) > 0;
  }

  private lookForOomKills(): void {
    if (this.v2 || this.sawOomKill) return;
    const dir = join(this.roots.memory!, this.path);
    this.sawOomKill = cgroupTreeDeepestFirst(dir).some(
      (cgroup) => readKeyed(join(cgroup, 'memory.oom_control'), 'oom_kill') > 0,
    );
  }

  /** v1: looks for OOM kills every 200 ms (a few small reads) until the returned function is called. */
  watchMemory(): () => void {
    if (this.v2) return () => {};
    const timer = setInterval(() => this.lookForOomKills(), 200);
    return () => clearInterval(timer);
  }

  /** Kills everything in it, until nothing is left (a process may fork while it is killed). */
  async kill(): Promise<void> {
    if (this.v2) {
      try {
        writeFileSync(join(this.roots.unified!, this.path, 'cgroup.kill'), '1');
      } catch {
        // cgroup.kill is Linux 5.14+: the loop below does it
      }
    }
    for (let attempt = 0; attempt < 250; attempt++) {
      const pids = this.pids();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Removes its cgroups (the containment's below it too) in every hierarchy. */
  remove(): void {
    for (const root of Object.values(this.roots)) if (root) removeCgroupTree(join(root, this.path));
  }
}

/** Removes the grader's top cgroup in each hierarchy, once its submissions' are gone. */
export function removeGraderTop(): void {
  const { roots } = hierarchies();
  for (const root of Object.values(roots)) {
    if (!root) continue;
    try {
      rmdirSync(join(root, GRADER_TOP));
    } catch {
      // not there, or a submission's cgroup is still in it
    }
  }
}
