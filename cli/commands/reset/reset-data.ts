// `lab reset` as data: the pristine content of a lab's files, and the progress with the lab undone.
import type { Lab } from '../../../chapters/manifest.ts';
import { labsPath } from '../../paths.ts';
import { labProgress, markFailed, type Progress } from '../../progress/progress.ts';

export interface RestoredFile {
  labsPath: string;
  pristine: string;
  /** Whether the learner's version differed (and so is kept as a backup). */
  changed: boolean;
}

/**
 * Every file of the lab as it was at the pristine commit, or the one-line reason it cannot be had.
 * `fileAt(path)` gives a file's content at that commit; `current(path)` the file as it is now.
 */
export function pristineFiles(
  lab: Lab,
  commit: string | undefined,
  fileAt: (commit: string, path: string) => string | undefined,
  current: (path: string) => string | undefined,
): RestoredFile[] | string {
  if (commit === undefined) {
    return `no pristine commit is recorded (this is not a git checkout, or git is missing): restore ${lab.files.map(labsPath).join(', ')} by hand`;
  }
  const restored: RestoredFile[] = [];
  for (const file of lab.files) {
    const pristine = fileAt(commit, labsPath(file));
    if (pristine === undefined)
      return `commit ${commit.slice(0, 12)} has no ${labsPath(file)}, so there is nothing to restore it from`;
    restored.push({ labsPath: labsPath(file), pristine, changed: current(labsPath(file)) !== pristine });
  }
  return restored;
}

/** The lab has not passed, and no hint is revealed: as if the learner had never started it. */
export function forgetLab(progress: Progress, labId: string): Progress {
  const failed = markFailed(progress, labId);
  return { ...failed, labs: { ...failed.labs, [labId]: { ...labProgress(failed, labId), hintsRevealed: 0 } } };
}
