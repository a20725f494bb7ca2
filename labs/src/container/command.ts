// Lab ch1-command: run the user's command exactly as given, and pass on how it ended.
import { constants } from 'node:os';
import { EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, EXIT_RUNTIME_ERROR } from '../errors.ts';
import type { Kernel } from '../kernel/kernel.ts';
import type { Outcome } from '../shim/shim.ts';

/** The last step of every plan: replace the set-up process with the user's command. */
export function execCommand(kernel: Kernel, command: readonly string[], env: readonly string[]): void {
  // TODO: this is how the book's runtime passes the command on, and it has a bug. Try
  //   mydocker run host sh -c 'echo a   b'
  // Who split the command line into words before mydocker saw it? Why is splitting again wrong?
  kernel.exec(command.join(' ').split(' '), env);
}

/** The exit code of `mydocker run`, docker's way. */
export function exitCodeOf(outcome: Outcome): number {
  // TODO: docker's convention (see errors.ts): the command's own code; 128+n when signal n killed
  // it; when exec failed, 127 if there was nothing by that name (ENOENT) and 126 if there was but it
  // could not run; 125 when an earlier set-up step failed. Why 128+n? (Try `sh -c 'kill -9 $$'` in
  // a shell on the host, then `echo $?`.)
  void constants;
  void EXIT_CANNOT_INVOKE;
  void EXIT_NOT_FOUND;
  void EXIT_RUNTIME_ERROR;
  return outcome.kind === 'exited' ? outcome.code : 1;
}
