// The learner's progress: which labs passed, how many hints each has revealed, and the commit the
// workbook started from (so `lab reset` can restore a pristine stub). This module is the only one
// that reads or writes the progress file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Chapter, Lab } from '../../chapters/manifest.ts';

export interface LabProgress {
  /** When the lab's checks last all passed (ISO 8601); absent while it has not. */
  passedAt?: string;
  /** How many hints `lab hint` has shown, 0 to hints.length. */
  hintsRevealed: number;
}

export interface Progress {
  version: 1;
  /** The git commit labs/ was pristine at, recorded on first use; absent outside a git checkout. */
  pristineCommit?: string;
  /** The lab `lab next` and `lab check` (without an id) work on, once the learner moved past one. */
  current?: string;
  labs: Record<string, LabProgress>;
}

export function emptyProgress(): Progress {
  return { version: 1, labs: {} };
}

export function loadProgress(path: string): Progress {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return emptyProgress();
  }
  const parsed = JSON.parse(text) as Partial<Progress>;
  if (parsed.version !== 1 || typeof parsed.labs !== 'object' || parsed.labs === null) {
    throw new Error(`${path} is not a progress file this workbook understands: move it away to start afresh`);
  }
  return parsed as Progress;
}

/**
 * Writes the progress file atomically (a temporary file renamed over the old one). Format, JSON:
 *   { "version": 1,
 *     "pristineCommit": "<git sha>",             (optional)
 *     "current": "ch1-proc",                      (optional)
 *     "labs": { "<lab id>": { "passedAt": "<ISO time>" (optional), "hintsRevealed": <n> } } }
 * Labs not listed have neither passed nor revealed a hint.
 */
export function saveProgress(path: string, progress: Progress): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(progress, null, 2) + '\n');
  renameSync(temporary, path);
}

export function labProgress(progress: Progress, labId: string): LabProgress {
  return progress.labs[labId] ?? { hintsRevealed: 0 };
}

export function hasPassed(progress: Progress, labId: string): boolean {
  return labProgress(progress, labId).passedAt !== undefined;
}

/** The first lab, in course order, that has not passed; undefined when every ready lab has. */
export function nextPendingLab(chapters: readonly Chapter[], progress: Progress): Lab | undefined {
  for (const chapter of chapters) {
    if (chapter.status !== 'ready') continue;
    for (const lab of chapter.labs) if (!hasPassed(progress, lab.id)) return lab;
  }
  return undefined;
}

export function markPassed(progress: Progress, labId: string, when: Date): Progress {
  const lab = labProgress(progress, labId);
  return { ...progress, labs: { ...progress.labs, [labId]: { ...lab, passedAt: when.toISOString() } } };
}

export function markFailed(progress: Progress, labId: string): Progress {
  const { passedAt: _dropped, ...lab } = labProgress(progress, labId);
  return { ...progress, labs: { ...progress.labs, [labId]: lab } };
}

/** Reveals one more hint (up to `available`); returns the new progress and how many are revealed. */
export function revealHint(progress: Progress, labId: string, available: number): [Progress, number] {
  const lab = labProgress(progress, labId);
  const hintsRevealed = Math.min(lab.hintsRevealed + 1, available);
  return [{ ...progress, labs: { ...progress.labs, [labId]: { ...lab, hintsRevealed } } }, hintsRevealed];
}
