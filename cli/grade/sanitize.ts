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

export function sanitizeText(text: string, paths: GraderPaths): string {
  return text
    .replaceAll(`${paths.tree}/`, 'labs/')
    .replaceAll(paths.tree, 'labs')
    .replace(new RegExp(`${escapeRegExp(paths.tmpDir)}/mydocker-check-\\d+-[A-Za-z0-9]+`, 'g'), '$MYDOCKER_ROOT')
    .replaceAll(paths.tmpDir, '$TMPDIR')
    .replaceAll(paths.workDir, '<work dir>');
}

export function sanitizeEvent(event: CheckEvent, paths: GraderPaths): CheckEvent {
  if (event.type === 'spec-error') return { ...event, message: sanitizeText(event.message, paths) };
  if (event.type !== 'check') return event;
  return {
    ...event,
    errors: event.errors.map((error) => ({
      message: sanitizeText(error.message, paths),
      ...(error.expected !== undefined && { expected: sanitizeText(error.expected, paths) }),
      ...(error.actual !== undefined && { actual: sanitizeText(error.actual, paths) }),
    })),
  };
}
