// Lab ch1-command: run the user's command exactly as given, and pass on how it ended.
import { constants } from 'node:os';
import { EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, EXIT_RUNTIME_ERROR } from '../errors.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Outcome } from '../shim/shim.ts';

/** The last step of every plan: replace the set-up process with the user's command. */
export function execCommand(kernel: Kernel, command: readonly string[], env: readonly string[]): void {
  // SOLUTION: the shell already split the command line into words and removed the quotes; each word is
  // one argv entry. Joining and splitting again (as the book's runtime does) breaks `sh -c 'echo a b'`.
  kernel.exec(command, env);
}

/** The exit code of `mydocker run`, docker's way. */
export function exitCodeOf(outcome: Outcome): number {
  // SOLUTION: see errors.ts for the convention. A shell reports a command killed by signal n as 128+n,
  // and so does docker: 137 is SIGKILL (9), often the OOM killer.
  switch (outcome.kind) {
    case 'exited':
      return outcome.code;
    case 'signaled':
      return 128 + outcome.signal;
    case 'failed':
      if (outcome.op !== 'exec') return EXIT_RUNTIME_ERROR;
      // ENOENT: nothing by that name on PATH; anything else (EACCES, ENOEXEC) found it but could not run it.
      return outcome.errno === constants.errno.ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
  }
}
