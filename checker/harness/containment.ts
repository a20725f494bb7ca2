// Every process a spec starts runs in a cgroup of the spec's own with a pids and a memory limit, so a
// fork bomb or a leak in learner code stops at the limit instead of taking the machine down. The same
// cgroup tells, after the spec, whether anything it started is still alive.
//
//   mydocker-checker/<spec>-<pid>/          pids.max, memory limit: for everything below
//   mydocker-checker/<spec>-<pid>/harness/  the checker's processes (the lab host, mydocker, probes)
//   mydocker-checker/<spec>-<pid>/containers/<id>/   the containers (MYDOCKER_CGROUP_PARENT)
//
// Processes sit only in leaves: on cgroup v2 a cgroup that has processes of its own cannot enable
// controllers for its children (EBUSY), and the runtime must enable them on `containers`' ancestors.
//
// `lab grade` runs each submission's checker inside a budget cgroup of its own (cli/grade/budget.ts)
// and names it in MYDOCKER_CHECKER_CGROUP_PARENT (a path relative to each hierarchy's root): then
// mydocker-checker/ is made below it, so the budget's memory limit covers the lab hosts and the
// containers too.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupProcesses, cgroupTreeDeepestFirst, removeCgroupTree } from './cgroup-tree.ts';
import { drivesCgroupV2 } from '../../solutions/src/cgroups/system.ts';

const ROOT = '/sys/fs/cgroup';
/** Where the checker's cgroups go: the top of each hierarchy, or below `lab grade`'s budget cgroup. */
const PARENT = (process.env.MYDOCKER_CHECKER_CGROUP_PARENT ?? '').replace(/^\/+|\/+$/g, '');
const TOP = PARENT ? `${PARENT}/mydocker-checker` : 'mydocker-checker';
/** TOP and each of its ancestors below the root, from the top down: `a`, `a/b`, `a/b/mydocker-checker`. */
const TOP_LEVELS = TOP.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
const PIDS_MAX = 512;
const MEMORY_MAX = 1024 * 1024 * 1024;

let v2: boolean | undefined;

/** The rule the runtime itself follows (solutions/src/cgroups/system.ts): v1 wherever v1 holds the controllers. */
function isV2(): boolean {
  return (v2 ??= drivesCgroupV2());
}

/** The hierarchies to look in: v2's one tree, or every v1 controller hierarchy (the runtime uses five). */
function hierarchies(): string[] {
  if (isV2()) return [ROOT];
  return readdirSync(ROOT)
    .map((name) => join(ROOT, name))
    .filter((dir) => existsSync(join(dir, 'cgroup.procs')) && !dir.endsWith('/unified') && !dir.endsWith('/systemd'));
}

/** A run's cgroups are named `<spec>-<pid of the vitest worker>`. */
function ownerPid(name: string): number | undefined {
  const pid = Number(/-(\d+)$/.exec(name)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes the cgroups of runs whose process is gone: a run stopped with Ctrl-C or SIGKILL never reaches
 * its afterAll, and this machine is shared. Live runs' cgroups are never touched.
 */
function removeStale(): void {
  for (const hierarchy of hierarchies()) {
    let names: string[] = [];
    try {
      names = readdirSync(join(hierarchy, TOP), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      continue;
    }
    for (const name of names) {
      const pid = ownerPid(name);
      if (pid !== undefined && !existsSync(`/proc/${pid}`)) removeCgroupTree(join(hierarchy, TOP, name));
    }
  }
}

export class Containment {
  /** The cgroup path, relative to each hierarchy, under which the runtime puts containers. */
  readonly containersParent: string;
  /** The directories a checker process must be written into: one per limiting hierarchy. */
  readonly harnessDirs: string[];
  private readonly base: string;

  /** `name` ends with the pid of the process that owns the run (see removeStale). */
  constructor(name: string) {
    removeStale();
    this.base = join(TOP, name);
    this.containersParent = join(this.base, 'containers');
    if (isV2()) {
      // Controllers must be enabled top-down through cgroup.subtree_control.
      enableControllers(ROOT);
      mkdirSync(join(ROOT, TOP), { recursive: true });
      for (const level of TOP_LEVELS) enableControllers(join(ROOT, level));
      mkdirSync(join(ROOT, this.base), { recursive: true });
      writeFileSync(join(ROOT, this.base, 'pids.max'), String(PIDS_MAX));
      writeFileSync(join(ROOT, this.base, 'memory.max'), String(MEMORY_MAX));
      enableControllers(join(ROOT, this.base));
      this.harnessDirs = [join(ROOT, this.base, 'harness')];
    } else {
      mkdirSync(join(ROOT, 'pids', this.base), { recursive: true });
      mkdirSync(join(ROOT, 'memory', this.base), { recursive: true });
      writeFileSync(join(ROOT, 'pids', this.base, 'pids.max'), String(PIDS_MAX));
      writeFileSync(join(ROOT, 'memory', this.base, 'memory.limit_in_bytes'), String(MEMORY_MAX));
      this.harnessDirs = [join(ROOT, 'pids', this.base, 'harness'), join(ROOT, 'memory', this.base, 'harness')];
      // The spec's cgroup in the runtime's other hierarchies too, made now rather than by the runtime
      // at its first container: while it exists, another checker run ending at the same time cannot
      // remove mydocker-checker between the runtime's plan (which saw it) and its mkdir (ENOENT).
      // devices too since chapter 7 (its allow-list's cgroup): it was left out, and a check failed
      // with "mkdir .../devices/mydocker-checker/...: ENOENT" while a second checker run ended.
      for (const controller of ['cpu', 'cpuacct', 'cpuset', 'devices']) {
        if (!existsSync(join(ROOT, controller))) continue;
        mkdirSync(join(ROOT, controller, this.base), { recursive: true });
      }
      // A new v1 cpuset cgroup starts with no CPUs and no memory nodes, and no task or child cgroup can
      // use it until they are set: give both levels their parent's.
      if (existsSync(join(ROOT, 'cpuset')))
        for (const dir of [...TOP_LEVELS, this.base]) inheritCpuset(join(ROOT, 'cpuset', dir));
    }
    for (const dir of this.harnessDirs) mkdirSync(dir, { recursive: true });
  }

  /** A shell prefix that moves the shell into the harness cgroup and then execs the command. */
  wrap(command: readonly string[]): string[] {
    const moves = this.harnessDirs.map((_, i) => `echo $$ > "$${i + 1}/cgroup.procs"`).join(' && ');
    return [
      'sh',
      '-c',
      `${moves} && shift ${this.harnessDirs.length} && exec "$@"`,
      'sh',
      ...this.harnessDirs,
      ...command,
    ];
  }

  /** Pids of every process the spec started that is still alive: the harness's and the containers'. */
  pids(): number[] {
    const limiting = isV2() ? join(ROOT, this.base) : join(ROOT, 'pids', this.base);
    return [...new Set(cgroupTreeDeepestFirst(limiting).flatMap(cgroupProcesses))];
  }

  /** The containers' cgroups still there, as paths relative to the cgroup root, in every hierarchy. */
  containerCgroups(): string[] {
    return hierarchies().flatMap((hierarchy) => {
      const dir = join(hierarchy, this.containersParent);
      return cgroupTreeDeepestFirst(dir).filter((cgroup) => cgroup !== dir);
    });
  }

  /** Kills what is left and removes the spec's cgroups in every hierarchy (the runtime made some too). */
  async destroy(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const pids = this.pids();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const hierarchy of hierarchies()) {
      removeCgroupTree(join(hierarchy, this.base));
      try {
        rmdirSync(join(hierarchy, TOP)); // when this was the last spec using it
      } catch {
        // other specs' cgroups are still there, or it never existed in this hierarchy
      }
    }
  }
}

/** v1: a cpuset cgroup left empty gets its parent's cpuset.cpus and cpuset.mems. */
function inheritCpuset(dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readFileSync(join(dir, file), 'utf8').trim() === '')
      writeFileSync(join(dir, file), readFileSync(join(dir, '..', file), 'utf8').trim());
  }
}

function enableControllers(dir: string): void {
  const available = readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/);
  const wanted = ['cpu', 'cpuset', 'memory', 'pids'].filter((c) => available.includes(c));
  try {
    writeFileSync(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  } catch {
    // already enabled, or not allowed here: the limits are then best effort
  }
}
