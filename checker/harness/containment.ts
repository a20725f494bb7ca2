// Every process a spec starts runs in a cgroup of its own with a pids and a memory limit, so a fork
// bomb or a leak in learner code stops at the limit instead of taking the machine down. The same
// cgroup tells, after the spec, whether anything it started is still alive.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';
const PIDS_MAX = 512;
const MEMORY_MAX = 1024 * 1024 * 1024;

/** A run's cgroups are named `<spec>-<pid of the vitest worker>`. */
function ownerPid(name: string): number | undefined {
  const pid = Number(/-(\d+)$/.exec(name)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Removes the empty cgroups of runs whose process is gone: a run stopped with Ctrl-C or SIGKILL
 * never reaches its afterAll, and this machine is shared.
 */
function removeStale(parent: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = ownerPid(name);
    if (pid === undefined || existsSync(`/proc/${pid}`)) continue;
    try {
      rmdirSync(join(parent, name)); // fails while processes are still in it: then it is not stale
    } catch {
      // still in use
    }
  }
}

export class Containment {
  /** The cgroup directories a process must be written into: one per v1 hierarchy, one in v2. */
  readonly dirs: string[];

  /** `name` ends with the pid of the process that owns the run (see removeStale). */
  constructor(name: string) {
    const parent = 'mydocker-checker';
    if (existsSync(join(ROOT, 'cgroup.controllers'))) {
      // cgroup v2: one tree. Controllers must be enabled in every ancestor's subtree_control.
      enableControllers(ROOT);
      const top = join(ROOT, parent);
      mkdirSync(top, { recursive: true });
      removeStale(top);
      enableControllers(top);
      this.dirs = [join(top, name)];
      mkdirSync(this.dirs[0]!, { recursive: true });
      writeFileSync(join(this.dirs[0]!, 'pids.max'), String(PIDS_MAX));
      writeFileSync(join(this.dirs[0]!, 'memory.max'), String(MEMORY_MAX));
    } else {
      // cgroup v1: a hierarchy per controller.
      removeStale(join(ROOT, 'pids', parent));
      removeStale(join(ROOT, 'memory', parent));
      const pids = join(ROOT, 'pids', parent, name);
      const memory = join(ROOT, 'memory', parent, name);
      mkdirSync(pids, { recursive: true });
      mkdirSync(memory, { recursive: true });
      writeFileSync(join(pids, 'pids.max'), String(PIDS_MAX));
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(MEMORY_MAX));
      this.dirs = [pids, memory];
    }
  }

  /** A shell prefix that moves the shell into this cgroup and then execs the command. */
  wrap(command: readonly string[]): string[] {
    const moves = this.dirs.map((_, i) => `echo $$ > "$${i + 1}/cgroup.procs"`).join(' && ');
    return ['sh', '-c', `${moves} && shift ${this.dirs.length} && exec "$@"`, 'sh', ...this.dirs, ...command];
  }

  /** Pids of the processes still in the cgroup. */
  pids(): number[] {
    return readFileSync(join(this.dirs[0]!, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  }

  /** Kills what is left and removes the cgroup directories (leaf first). */
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
    for (const dir of this.dirs) {
      try {
        rmdirSync(dir);
        rmdirSync(join(dir, '..')); // the shared parent, when this was the last spec using it
      } catch {
        // the parent still has other specs' cgroups
      }
    }
  }
}

function enableControllers(dir: string): void {
  const wanted = ['pids', 'memory'].filter((c) => readFileSync(join(dir, 'cgroup.controllers'), 'utf8').includes(c));
  try {
    writeFileSync(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
  } catch {
    // already enabled, or not allowed here: the limits are then best effort
  }
}
