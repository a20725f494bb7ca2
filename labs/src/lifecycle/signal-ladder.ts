// Lab ch5-stop: the signal ladder of `mydocker stop -t N`.
//
// Task: ask the container's PID 1 to end (SIGTERM), give it up to `timeoutSeconds` to do so, and only
// then end it (SIGKILL), which it cannot refuse. A negative timeout waits as long as it takes (docker's
// `stop -t -1`). Return how it ended: 'exited' (it went on SIGTERM) or 'killed'.
//
// The process is known by its pid AND its start time: once it has ended, the kernel may hand the same
// pid to any new process, and a SIGKILL sent to the bare pid would then hit that one.

export type LadderSignal = 'SIGTERM' | 'SIGKILL';

/** The process to stop: its pid on the host and its start time (field 22 of /proc/PID/stat). */
export interface Target {
  pid: number;
  start: number;
}

/** What the ladder may do; the real one is the kernel's, the checks give a fake one with a fake clock. */
export interface ProcessControl {
  /** kill(2). Signal 0 sends nothing: it only asks whether some process has that pid. */
  kill(pid: number, signal: LadderSignal | 0): void;
  /** The process that started at `start` still runs under `pid` (not ended, not a zombie, pid not reused). */
  isSameProcess(pid: number, start: number): boolean;
  /** Resolves after `milliseconds`. */
  sleep(milliseconds: number): Promise<void>;
  /** Milliseconds on a clock that only goes forward. */
  now(): number;
}

/** How often the ladder looks whether the process has ended. */
export const POLL_MILLISECONDS = 20;

export async function stopProcess(
  target: Target,
  timeoutSeconds: number,
  control: ProcessControl,
): Promise<'exited' | 'killed'> {
  // TODO: SIGKILL at once always ends it, but the process gets no chance to clean up. What does
  // docker send first, and for how long does it wait? Try `mydocker stop` on a container whose
  // script traps TERM, and on one running a bare `sh` as PID 1: why does the second ignore SIGTERM
  // (pid_namespaces(7))?
  // TODO: how do you know it has ended? Why is "kill(pid, 0) succeeds" not the same as "it still
  // runs" (what does `target.start` add)?
  void timeoutSeconds;
  control.kill(target.pid, 'SIGKILL');
  return 'killed';
}
