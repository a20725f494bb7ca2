// `lab hint` as data: reveal one more hint of a lab (never past the last) and list those revealed.
import type { Lab } from '../../../chapters/manifest.ts';
import { labProgress, revealHint, type Progress } from '../../progress/progress.ts';

export interface Hints {
  lab: Lab;
  /** Every hint revealed so far, the new one last. */
  revealed: string[];
  /** False when every hint had been revealed already. */
  newlyRevealed: boolean;
  remaining: number;
  /** The command that reveals the next one: a bare `lab hint` means the current lab. */
  command: string;
}

export function nextHint(progress: Progress, lab: Lab, isCurrent: boolean): { hints: Hints; progress: Progress } {
  const before = labProgress(progress, lab.id).hintsRevealed;
  const [updated, count] = revealHint(progress, lab.id, lab.hints.length);
  return {
    hints: {
      lab,
      revealed: lab.hints.slice(0, count),
      newlyRevealed: count > before,
      remaining: lab.hints.length - count,
      command: isCurrent ? 'lab hint' : `lab hint ${lab.id}`,
    },
    progress: updated,
  };
}
