// Errors the runtime reports itself, before the shim takes over: one line for the user, and docker's
// exit code 125 ("the runtime itself failed"). The shim reports failures after that point, with 125,
// 126 (cannot run the command), 127 (no such command) or the command's own code (native/shim.c).
// Only main.ts turns these into the process's exit code.

export const EXIT_RUNTIME_ERROR = 125;

/** Wrong input from the user: one line saying what was wrong and what to do instead. */
export class UsageError extends Error {
  readonly exitCode = EXIT_RUNTIME_ERROR;
}

/** The runtime could not do its job. */
export class RuntimeError extends Error {
  readonly exitCode = EXIT_RUNTIME_ERROR;
}

/** EXIT_COMMAND_FAILED: docker's code when a command other than `run` fails (rm, rmi, commit...). */
export const EXIT_COMMAND_FAILED = 1;

/** A command other than `run` could not do what was asked: one line, exit 1. */
export class CommandError extends Error {
  readonly exitCode = EXIT_COMMAND_FAILED;
}

/** What a command names does not exist (a container, an image): the daemon answers 404 (daemon/api-error.ts). */
export class NotFoundError extends CommandError {}

/** What a command asks conflicts with the state (a name in use, a running container removed): the daemon's 409. */
export class ConflictError extends CommandError {}

/** What no state allows (removing or making one of docker's pre-defined networks): the daemon's 403. */
export class ForbiddenError extends CommandError {}
