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
  return {
    // SOLUTION: only -i keeps stdin open. -t alone gives a terminal but no input: docker attaches
    // stdin only with -i (`docker run -t busybox cat` waits on a terminal nobody types into).
    stdin: flags.interactive ? 'inherit' : 'null',
    // SOLUTION: detached, nobody is there to read the output when it comes, and the caller's
    // descriptors must not stay open (a `$(mydocker run -d ...)` would wait for their end): the shim
    // reads it from pipes (or the terminal's master) and keeps it in the log. -d with -t logs too.
    output: flags.detach ? log : 'inherit',
    // SOLUTION: -t alone makes the terminal, with or without -i, detached or not: `-dit busybox sh`
    // keeps a shell alive on a terminal whose master the shim holds.
    terminal: flags.tty,
  };
}
