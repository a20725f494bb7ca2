// One place that knows how failures become exit codes. docker's convention (docker run --help):
// 125 when the runtime itself fails, 126 when the command cannot be invoked, 127 when it is not found,
// otherwise the command's own status. Only main.ts turns these into process.exit.
import { constants } from 'node:os';

export const EXIT_RUNTIME_ERROR = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

/** Wrong input from the user: one line saying what was wrong and what to do instead. */
export class UsageError extends Error {
  readonly exitCode = EXIT_RUNTIME_ERROR;
}

/** The runtime could not do its job. */
export class RuntimeError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_RUNTIME_ERROR) {
    super(message);
    this.exitCode = exitCode;
  }
}

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, number]) => [number, name]),
);

/** 22 → EINVAL. */
export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}
