// `lab solution <LAB> [--diff] [--force]`: the reference for a lab that passed (or on request), in
// full or as a diff from the learner's file.
import type { Lab } from '../../../chapters/manifest.ts';
import { LabError } from '../../errors.ts';
import { readProjectText } from '../../paths.ts';
import { openSession } from '../../session.ts';
import { print } from '../../ui/output.ts';
import { refusal, solutionFiles } from './solution-data.ts';
import { SolutionView } from './SolutionView.tsx';

export interface SolutionOptions {
  lab: Lab;
  diff: boolean;
  force: boolean;
}

export async function solution({ lab, diff, force }: SolutionOptions): Promise<number> {
  const { progress } = openSession();
  const refused = refusal(progress, lab, force);
  if (refused) throw new LabError(refused);
  let files;
  try {
    files = solutionFiles(lab, readProjectText);
  } catch (error) {
    throw new LabError((error as Error).message);
  }
  print(<SolutionView lab={lab} files={files} diff={diff} />);
  return 0;
}
