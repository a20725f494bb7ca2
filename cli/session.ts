// Opening the learner's progress for a command: load it (with an error a person understands when the
// file is damaged), record the pristine commit the first time, and save changes back.
import { chapters, findLab, type Chapter, type Lab } from '../chapters/manifest.ts';
import { LabError, USAGE } from './errors.ts';
import { headCommit } from './git.ts';
import { projectRoot, progressFile } from './paths.ts';
import { loadProgress, nextPendingLab, saveProgress, type Progress } from './progress/progress.ts';

export interface Session {
  /** The progress file's path. */
  file: string;
  progress: Progress;
}

export function openSession(file = progressFile()): Session {
  let progress: Progress;
  try {
    progress = loadProgress(file);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new LabError(`${file} is not valid JSON (${error.message}): move it away to start afresh`);
    }
    throw new LabError(error instanceof Error ? error.message : String(error));
  }
  if (progress.pristineCommit === undefined) {
    // labs/ as checked out is the pristine state `lab reset` restores: remember which commit that was.
    const commit = headCommit(projectRoot);
    if (commit) {
      progress = { ...progress, pristineCommit: commit };
      saveProgress(file, progress);
    }
  }
  return { file, progress };
}

export function saveSession(session: Session, progress: Progress): Session {
  saveProgress(session.file, progress);
  return { ...session, progress };
}

/** The lab for an id typed on the command line; validated once, at the edge. */
export function labById(id: string): Lab {
  const lab = findLab(id);
  if (!lab) throw new LabError(`unknown lab '${id}'; \`lab list\` shows the ids`, USAGE);
  return lab;
}

/** The lab the learner is on: `current` while it names a lab, else the first that has not passed. */
export function currentLab(progress: Progress, course: readonly Chapter[] = chapters): Lab | undefined {
  const ready = course.filter((chapter) => chapter.status === 'ready').flatMap((chapter) => chapter.labs);
  return ready.find((lab) => lab.id === progress.current) ?? nextPendingLab(course, progress);
}

/** The lab a command works on: the one named, or the current one. */
export function labOrCurrent(lab: Lab | undefined, progress: Progress): Lab {
  const chosen = lab ?? currentLab(progress);
  if (!chosen) throw new LabError('every lab passes already: name one, for example `lab check ch1-proc`');
  return chosen;
}
