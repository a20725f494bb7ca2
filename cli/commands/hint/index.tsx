// `lab hint [LAB]`: reveal the next staged hint, and show all revealed so far.
import type { Lab } from '../../../chapters/manifest.ts';
import { currentLab, labOrCurrent, openSession, saveSession } from '../../session.ts';
import { print, terminalWidth } from '../../ui/output.ts';
import { nextHint } from './hint-data.ts';
import { HintView } from './HintView.tsx';

export interface HintOptions {
  /** The lab named on the command line; the current lab when absent. */
  lab?: Lab;
}

export async function hint({ lab }: HintOptions): Promise<number> {
  const session = openSession();
  const chosen = labOrCurrent(lab, session.progress);
  const { hints, progress } = nextHint(session.progress, chosen, currentLab(session.progress)?.id === chosen.id);
  saveSession(session, progress);
  print(<HintView hints={hints} width={terminalWidth()} />);
  return 0;
}
