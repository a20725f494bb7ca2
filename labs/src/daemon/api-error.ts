// The Engine API's errors: a status code and docker's body, {"message": "..."}. The runtime's own
// errors say what kind they are by their class (errors.ts), and each class has docker's status.
import { ConflictError, ForbiddenError, NotFoundError, UsageError } from '../errors.ts';
import { NameTaken } from '../state/names.ts';

/** An answer other than success, with docker's status code. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** 404: what the request names does not exist (the docker CLI pulls an image on this answer). */
export const notFound = (message: string): ApiError => new ApiError(404, message);
/** 400: the request itself is wrong. */
export const badRequest = (message: string): ApiError => new ApiError(400, message);
/** 409: the request conflicts with the state (a name in use, a running container removed). */
export const conflict = (message: string): ApiError => new ApiError(409, message);

/**
 * docker's status for an error: its own for an ApiError; 404, 403, 409 and 400 for the runtime's errors of
 * those kinds; 500 for anything else (the runtime could not do its job).
 */
export function statusOf(error: unknown): number {
  if (error instanceof ApiError) return error.status;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof ConflictError || error instanceof NameTaken) return 409;
  if (error instanceof UsageError) return 400;
  return 500;
}

/** The body docker sends with an error: one line, without the CLI's "mydocker: " in front. */
export function errorBody(error: unknown): { message: string } {
  const message = error instanceof Error ? error.message : String(error);
  return { message: message.replace(/^mydocker: /, '').trim() };
}
