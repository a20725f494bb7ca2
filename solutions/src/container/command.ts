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
  // SOLUTION: docker's defaults, then -e in order, a later value replacing an earlier one. A Map keeps
  // the first position of each name and the last value.
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['HOSTNAME', hostname],
    ['HOME', '/root'],
  ]);
  if (tty) env.set('TERM', 'xterm');
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals < 0) {
      const inherited = process.env[assignment];
      if (inherited !== undefined) env.set(assignment, inherited);
    } else {
      env.set(assignment.slice(0, equals), assignment.slice(equals + 1));
    }
  }
  return [...env].map(([name, value]) => `${name}=${value}`);
}

/** The last step of every plan: replace the set-up process with the user's command. */
export function execCommand(kernel: Kernel, command: readonly string[], env: readonly string[]): void {
  // SOLUTION: the shell already split the command line into words and removed the quotes; each word is
  // one argv entry. Joining and splitting again (as the book's runtime does) breaks `sh -c 'echo a b'`.
  kernel.exec(command, env);
}
