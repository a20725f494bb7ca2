// Lab ch5-detach: what the container's stdin, its output and its terminal are, for docker's -d, -i
// and -t. The shim does the plumbing (native/shim.c): this decides it, and the plan's header carries
// it (STDIN, OUTPUT), with a `pty` op among the container's steps for a terminal.
import type { LogPath } from '../kernel/plan.ts';

export interface StdioFlags {
  /** -d: run in the background; the command returns once the container runs. */
  detach: boolean;
  /** -i: keep standard input open. */
  interactive: boolean;
  /** -t: a pseudo-terminal. */
  tty: boolean;
}

export interface Stdio {
  /** 'null': /dev/null; 'inherit': the caller's input reaches the container. */
  stdin: 'null' | 'inherit';
  /** 'inherit': the caller's stdout and stderr; a log path: the shim keeps the output there. */
  output: 'inherit' | LogPath;
  /** A terminal of the container's own: the `pty` op. */
  terminal: boolean;
}

/** The container's stdio for the flags; `log` is where a detached container's output is kept. */
export function chooseStdio(flags: StdioFlags, log: LogPath): Stdio {
  // TODO(ch5-detach): this is chapter 4's stdio: `-d` and `-t` do nothing yet, so `run -d` waits for
  // the container as a foreground run does, and `tty` inside says "not a tty". Who reads a detached
  // container's output once `mydocker run -d` has returned, and why must the container not keep the
  // caller's stdout open? Which of -i and -t asks for a terminal, and does it need the other?
  void log;
  return { stdin: flags.interactive ? 'inherit' : 'null', output: 'inherit', terminal: false };
}
