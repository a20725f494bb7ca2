// Lab ch5-reconcile: what a container's files and the kernel say about it, and what to do about it.
//
// The store keeps no status: a status written down goes stale the moment a process dies without
// updating it (kill -9 of the shim, of `mydocker run`, a full disk). Instead every command reads
// the entry's files and asks the kernel whether the processes they name still live:
//   config.json   written before the start; creator = the `mydocker run` that made it (pid, start)
//   running.json  written by the shim once the container exists: its PID 1 and the shim (pid, start)
//   exit.json     written by the shim when the container ended: the exit code
// A pid alone proves nothing: after a process exits the kernel hands its number to the next one, so
// a pid is judged only with its start time (field 22 of /proc/<pid>/stat): `isSameProcess`.
// The scaffolding (store.ts) does the file work: it reads the files, calls `reconcile`, and carries
// out the action.

/** running.json, as the shim writes it (native/shim.c fills the templates). */
export interface RunningRecord {
  pid: number;
  start: number;
  shim: number;
  shimStart: number;
  startedAt: string;
}

/** exit.json, as the shim writes it. */
export interface ExitRecord {
  exitCode: number;
  finishedAt: string;
}

/** What reconcile needs of config.json. */
export interface EntryConfig {
  /** --rm: the entry goes once the container has ended. */
  rm: boolean;
  /** The `mydocker run` that made the entry; the shim is the same process (execve keeps both). */
  creator: { pid: number; start: number };
}

export interface EntryFiles {
  config: EntryConfig;
  running?: RunningRecord;
  exit?: ExitRecord;
}

/** The kernel's answers (processes.ts): the real one reads /proc, the checks can give their own. */
export interface ProcessTable {
  /** The process that had this pid and this start time is alive (not a zombie). */
  isSameProcess(pid: number, start: number): boolean;
  /** Some process has this pid now: says nothing about which one. */
  isAlive(pid: number): boolean;
}

/**
 * keep: leave the entry as it is. remove: delete the entry and its cgroups (nothing runs).
 * record-exit: the shim died without recording the end: write exit.json with `exitCode`, and remove
 * the container's cgroups, as the shim would have.
 */
export type Action = 'keep' | 'remove' | 'record-exit';

export interface Verdict {
  status: 'created' | 'running' | 'exited';
  exitCode?: number;
  action: Action;
}

/**
 * The exit code recorded when the shim died before the container's end could be known: 255, as
 * containerd records when a shim is gone (core/runtime/v2/shim.go, cleanupAfterDeadShim: "exitStatus
 * = 255" when the dead shim's delete returns nothing), which docker then shows as Exited (255).
 */
export const SHIM_DIED = 255;

export function reconcile(entry: EntryFiles, kernel: ProcessTable): Verdict {
  // TODO: this stub believes the files alone, and keeps everything. Which entry has no running.json
  // and never will? (Its creator is in config.json: is that run still alive?) When exit.json is
  // missing, what do PID 1 and the shim tell you, and why must each be judged with its start time
  // (kernel.isSameProcess) rather than kernel.isAlive? When both are gone, who will ever write
  // exit.json, and what would the shim have done with a --rm container?
  void kernel;
  const { running, exit } = entry;
  if (!running) return { status: 'created', action: 'keep' };
  if (exit) return { status: 'exited', exitCode: exit.exitCode, action: 'keep' };
  return { status: 'running', action: 'keep' };
}
