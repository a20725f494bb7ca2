// What `mydocker exec` needs to know of a running container, read from the store and the kernel.
// The cgroups come from the kernel (/proc/<pid>/cgroup), the one truth about where the container's
// processes are; the environment and the working directory are what config.json recorded at run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroups } from '../cgroups/system.ts';
import { CommandError } from '../errors.ts';
import { isSameProcess } from '../state/processes.ts';
import type { ContainerState } from '../state/store.ts';

/** The container's PID 1 on the host, once it is proven to be the container's and running. */
export function runningPid(state: ContainerState): number {
  // docker: "Error response from daemon: container <id> is not running", exit 1. A pid alone can
  // name another process after the container ended and the number was reused: its start time
  // (running.json) tells them apart.
  if (state.status !== 'running' || state.pid === undefined || state.start === undefined) {
    throw new CommandError(`container ${state.id} is not running`);
  }
  if (!isSameProcess(state.pid, state.start)) throw new CommandError(`container ${state.id} is not running`);
  return state.pid;
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
