// A process's identity, and the signals the runtime sends to a container's processes.
//
// A pid names a process only while it lives: when it exits, the kernel hands the number to a later
// process (pids wrap at /proc/sys/kernel/pid_max). So the store records a pid with the process's
// start time, field 22 of /proc/<pid>/stat (clock ticks since boot, proc(5)), which the kernel never
// changes (not even across execve) and which no other process with that pid can have: the pair
// names one process until the next boot. A pid is never signalled without that check.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';

export interface ProcessIdentity {
  pid: number;
  start: number;
}

/** The fields of /proc/<pid>/stat after the command (field 2, in parentheses, may hold spaces and ')'). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Field 22, the start time, or undefined when there is no such process. */
export function processStart(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[22 - 3]) : undefined;
}

/** This process, as the store records it (the creator of an entry; after execve, the shim itself). */
export function thisProcess(): ProcessIdentity {
  own ??= { pid: process.pid, start: processStart(process.pid)! };
  return { ...own };
}

/** This process's identity, read once: its start time never changes (the daemon asks for it often). */
let own: ProcessIdentity | undefined;

/**
 * Whether (pid, start) still names a living process: the same start time, and not a zombie (field 3:
 * a process that has exited but whose parent has not reaped it yet runs nothing any more).
 */
export function isSameProcess(pid: number, start: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z' && Number(fields[22 - 3]) === start;
}

/** Alive and not a zombie, by pid alone: only for pids the caller just read from the kernel (cgroup.procs). */
export function isAlive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** What the signals need of a container: its PID 1 as the store knows it, and its cgroup directories. */
export interface SignalTarget {
  id: string;
  pid?: number;
  start?: number;
  cgroups?: readonly string[];
}

/** `signal` to the container's PID 1, and only if it is still the process the store recorded. */
export function signalContainer(state: SignalTarget, signal: NodeJS.Signals | number): void {
  if (state.pid === undefined || state.start === undefined || !isSameProcess(state.pid, state.start)) {
    throw new RuntimeError(`container ${state.id.slice(0, 12)} is not running`);
  }
  try {
    process.kill(state.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // it ended just now
  }
}

const KILL_TIMEOUT_MS = 10_000;

/**
 * SIGKILL to every process of the container; returns when none is left. PID 1 first: when the init
 * of a PID namespace dies, the kernel SIGKILLs every other process in it (pid_namespaces(7)), and
 * none can leave the namespace. Then whatever its cgroups still list (a process could have been
 * moved into them from outside): v2's cgroup.kill kills a whole cgroup at once, without the race of
 * a fork between reading cgroup.procs and killing (cgroups(7), Linux 5.14); v1 freezes the cgroup
 * first when it has a freezer one, else kills each pid it lists and reads the list again until it is
 * empty (a process forked meanwhile shows up in the next read).
 */
export function killContainer(state: SignalTarget): void {
  if (state.pid !== undefined && state.start !== undefined && isSameProcess(state.pid, state.start)) {
    try {
      process.kill(state.pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  const cgroups = state.cgroups ?? [];
  const frozen = cgroups.filter((dir) => freeze(dir, 'FROZEN'));
  for (const dir of cgroups) {
    try {
      writeFileSync(join(dir, 'cgroup.kill'), '1');
    } catch {
      // v1, or a kernel before 5.14, or the cgroup is gone: killed one by one below
    }
  }
  const deadline = Date.now() + KILL_TIMEOUT_MS;
  for (;;) {
    const living = cgroups.flatMap((dir) => cgroupProcesses(dir)).filter(isAlive);
    const pid1 =
      state.pid !== undefined && state.start !== undefined && isSameProcess(state.pid, state.start) ? [state.pid] : [];
    for (const pid of [...pid1, ...living]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    // A frozen process gets the SIGKILL only once thawed; it then dies without running again.
    for (const dir of frozen) freeze(dir, 'THAWED');
    if (pid1.length === 0 && living.length === 0) return;
    if (Date.now() > deadline) {
      throw new RuntimeError(
        `container ${state.id.slice(0, 12)}: ${[...pid1, ...living].join(', ')} still alive after SIGKILL for ${KILL_TIMEOUT_MS / 1000} s (in uninterruptible sleep? see /proc/<pid>/stack)`,
      );
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // 5 ms between reads
  }
}

function cgroupProcesses(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // the cgroup is gone: nothing left in it
  }
}

/** v1 freezer: FROZEN stops every process of the cgroup at once, so none can fork while they are killed. */
function freeze(dir: string, state: 'FROZEN' | 'THAWED'): boolean {
  try {
    writeFileSync(join(dir, 'freezer.state'), state);
    return true;
  } catch {
    return false;
  }
}
