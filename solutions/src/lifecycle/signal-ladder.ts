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
  // SOLUTION: ended means "this pid with this start time no longer runs". kill(pid, 0) would still
  // succeed once the kernel has given the pid to another process, and the ladder would then wait out
  // the timeout and SIGKILL that stranger.
  const ended = (): boolean => !control.isSameProcess(target.pid, target.start);
  if (ended()) return 'exited';
  // SOLUTION: SIGTERM first: the process may clean up (flush, close connections) and exit. A PID 1
  // that installed no handler never sees it: the kernel drops signals whose action is the default for
  // a PID namespace's init, unless they are SIGKILL or SIGSTOP from an ancestor namespace
  // (pid_namespaces(7)). So a `sh` without a trap ignores `stop` for the whole timeout.
  control.kill(target.pid, 'SIGTERM');
  // SOLUTION: the timeout is in seconds (docker's -t); negative: no deadline at all.
  const deadline = timeoutSeconds < 0 ? Infinity : control.now() + timeoutSeconds * 1000;
  while (control.now() < deadline) {
    if (ended()) return 'exited';
    await control.sleep(Math.min(POLL_MILLISECONDS, deadline - control.now()));
  }
  if (ended()) return 'exited';
  // SOLUTION: SIGKILL cannot be caught or ignored, by init neither when it comes from the parent
  // namespace; PID 1's death then kills every other process of its PID namespace (pid_namespaces(7)).
  control.kill(target.pid, 'SIGKILL');
  return 'killed';
}
