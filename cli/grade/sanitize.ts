// The checker's messages name the grader's paths now and then (the tree a submission was built in,
// a check's state root under the submission's temporary directory). A report must read the same
// whoever grades it, when, and as which process: those paths become names that do not change.
import type { CheckEvent } from '../../checker/results.ts';

export interface GraderPaths {
  tree: string;
  tmpDir: string;
  workDir: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A container's id (64 hex digits) or its short form (12), as mydocker prints them: new at every run.
 * Only runs of exactly that many hex digits, with a digit and a letter among them, so that a word or a
 * number stays as it is (not bounded by \b: in a message, `\nc2b05267b622` is an escaped newline and an id).
 */
const CONTAINER_ID = /(?<![0-9a-f])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])(?:[0-9a-f]{64}|[0-9a-f]{12})(?![0-9a-f])/g;

/**
 * The checker names a process by its host pid where that is the point (`NSpid of the container process
 * (host pid 27059)`, `process 4242 (sleep) is still running after the check`): those numbers, wherever
 * they occur in the message (the value compared is often the same pid), become `<pid>`.
 */
const NAMED_PID = /\b(?:host pid|process) (\d+)\b/g;

function withoutPids(text: string): string {
  const pids = new Set([...text.matchAll(NAMED_PID)].map((match) => match[1]!));
  let result = text;
  for (const pid of pids) result = result.replace(new RegExp(`(?<![0-9])${pid}(?![0-9])`, 'g'), '<pid>');
  return result;
}

export function sanitizeText(text: string, paths: GraderPaths): string {
  return (
    withoutPids(text)
      .replace(CONTAINER_ID, (id) => (id.length === 64 ? '<container id>' : '<short id>'))
      .replaceAll(`${paths.tree}/`, 'labs/')
      .replaceAll(paths.tree, 'labs')
      // A check's state root, mydocker-check-<vitest pid>-<6 random>; a spec's scratch directory,
      // mydocker-check-<vitest pid>-<what>-<6 random> (checker/harness/mydocker.ts, cli/check/leftovers.ts).
      .replace(
        new RegExp(`${escapeRegExp(paths.tmpDir)}/mydocker-check-\\d+-[A-Za-z0-9]{6}(?![\\w-])`, 'g'),
        '$MYDOCKER_ROOT',
      )
      .replace(
        new RegExp(`${escapeRegExp(paths.tmpDir)}/mydocker-check-\\d+-([a-z0-9-]+?)-[A-Za-z0-9]{6}(?![\\w-])`, 'g'),
        '$TMPDIR/$1',
      )
      .replaceAll(paths.tmpDir, '$TMPDIR')
      .replaceAll(paths.workDir, '<work dir>')
  );
}

export function sanitizeEvent(event: CheckEvent, paths: GraderPaths): CheckEvent {
  // vitest serialises what it compared as it was: `expected` may be the number 0, not text.
  const clean = <T>(value: T): T => (typeof value === 'string' ? (sanitizeText(value, paths) as T) : value);
  if (event.type === 'spec-error') return { ...event, message: clean(event.message) };
  if (event.type !== 'check') return event;
  return {
    ...event,
    errors: event.errors.map((error) => ({
      ...error,
      message: clean(error.message),
      ...(error.expected !== undefined && { expected: clean(error.expected) }),
      ...(error.actual !== undefined && { actual: clean(error.actual) }),
    })),
  };
}
