// What `mydocker exec` needs to know of a running container, read from the store and the kernel.
// The cgroups come from the kernel (/proc/<pid>/cgroup), the one truth about where the container's
// processes are. The rest the store records. Until the store's new layout lands (ch5-design.md: its
// config.json holds env and workingDir, running.json the start time), the fallbacks below read the
// same facts from where they are today; the lead switches them to the store's fields.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroups } from '../cgroups/system.ts';
import { CommandError } from '../errors.ts';
import type { ContainerState } from '../state/store.ts';

/** The fields of the store's new layout that exec reads, where an entry has them. */
interface Recorded {
  env?: string[];
  workingDir?: string;
  start?: number;
}

/** The container's PID 1 on the host, once it is proven to be the container's and running. */
export function runningPid(state: ContainerState & Recorded, stateDir: string): number {
  // docker: "Error response from daemon: container <id> is not running", exit 1.
  const notRunning = new CommandError(`container ${state.id} is not running`);
  if (state.status !== 'running' || state.pid === undefined) throw notRunning;
  // A pid alone can name another process after the container ended and the number was reused: the
  // start time (field 22 of /proc/<pid>/stat, clock ticks after boot) tells them apart.
  const start = state.start ?? recordedStart(stateDir);
  if (start !== undefined && startTime(state.pid) !== start) throw notRunning;
  return state.pid;
}

/** Field 22 of /proc/<pid>/stat (proc(5)), or undefined when the process is gone. */
export function startTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command (field 2) is in parentheses and may hold spaces: count from the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function recordedStart(stateDir: string): number | undefined {
  try {
    const start = (JSON.parse(readFileSync(join(stateDir, 'running.json'), 'utf8')) as { start?: unknown }).start;
    return typeof start === 'number' ? start : undefined;
  } catch {
    return undefined; // today's layout records no start time
  }
}

/**
 * The files that move a process into the container's cgroups, as host paths: for each hierarchy
 * mydocker drives, the directory /proc/<pid>/cgroup names there (v1 `tasks`, v2 `cgroup.procs`).
 */
export function cgroupJoinFiles(pid: number): string[] {
  const system = detectCgroups();
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [, controllers = '', path = ''] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
      return { controllers: controllers.split(','), path };
    });
  if (system.version === 2) {
    const unified = lines.find((line) => line.controllers.join() === '');
    return unified ? [join(system.root, unified.path, 'cgroup.procs')] : [];
  }
  const files = new Map<string, string>(); // one per hierarchy: cpu and cpuacct may share one
  for (const [controller, mount] of Object.entries(system.hierarchies)) {
    const line = lines.find((candidate) => candidate.controllers.includes(controller));
    if (line && !files.has(mount)) files.set(mount, join(mount, line.path, 'tasks'));
  }
  return [...files.values()];
}

/**
 * The container's environment (the image's, run's -e and docker's defaults), before exec's own -e.
 * Fallback: PID 1's environment as the kernel kept it from its execve (/proc/<pid>/environ).
 */
export function containerEnvironment(state: ContainerState & Recorded, pid: number): string[] {
  if (state.env) return state.env;
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
}

/** The image's working directory. Fallback: read from the image the container was made from. */
export async function imageWorkingDir(state: ContainerState & Recorded): Promise<string> {
  if (state.workingDir) return state.workingDir;
  if (state.image === 'host') return '/';
  const { ImageStore } = await import('../images/store.ts');
  return new ImageStore().find(state.image)?.config.workingDir || '/';
}
