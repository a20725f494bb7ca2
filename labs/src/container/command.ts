// Lab ch1-command: run the user's command exactly as given, in the environment docker gives it.
import type { Kernel } from '../kernel/kernel.ts';

/** docker's default PATH for Linux containers (an image may set its own). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EnvOptions {
  hostname: string;
  tty: boolean;
  /** `-e NAME=value`, or `-e NAME` to copy the value from mydocker's own environment. */
  assignments: readonly string[];
}

/** The environment the command starts with: nothing of the caller's unless asked for with -e. */
export function containerEnv({ hostname, tty, assignments }: EnvOptions): string[] {
  // TODO: docker starts every container with PATH=DEFAULT_PATH, HOSTNAME=<its hostname>, HOME=/root,
  // and TERM=xterm when it has a terminal (-t). Then each -e: NAME=value sets (or replaces) a
  // variable; a bare NAME copies NAME's value from mydocker's own environment, if it has one.
  // Why not simply pass mydocker's whole environment on? (What would leak into every container?)
  void hostname;
  void tty;
  void assignments;
  return [`PATH=${DEFAULT_PATH}`];
}

/** The last step of every plan: replace the set-up process with the user's command. */
export function execCommand(kernel: Kernel, command: readonly string[], env: readonly string[]): void {
  // TODO: this is how the book's runtime passes the command on, and it has a bug. Try
  //   mydocker run host sh -c 'echo a   b'
  // Who split the command line into words before mydocker saw it? Why is splitting again wrong?
  kernel.exec(command.join(' ').split(' '), env);
}
