// `lab solution` as data: whether the reference may be shown, and the files to show.
import type { Lab } from '../../../chapters/manifest.ts';
import { labsPath, solutionsPath } from '../../paths.ts';
import { hasPassed, type Progress } from '../../progress/progress.ts';

export interface SolutionFile {
  /** As the learner types them: labs/<file> and solutions/<file>. */
  labsPath: string;
  solutionsPath: string;
  solution: string;
  /** The learner's version; undefined when labs/<file> is missing. */
  yours?: string;
}

/** Why the reference may not be shown yet, or undefined when it may. */
export function refusal(progress: Progress, lab: Lab, force: boolean): string | undefined {
  if (force || hasPassed(progress, lab.id)) return undefined;
  return `${lab.id} has not passed yet, so its solution stays hidden: \`lab hint ${lab.id}\` helps, \`lab solution ${lab.id} --force\` shows it anyway`;
}

/** `read` takes a path relative to the project root and returns undefined for a missing file. */
export function solutionFiles(lab: Lab, read: (path: string) => string | undefined): SolutionFile[] {
  return lab.files.map((file) => {
    const solution = read(solutionsPath(file));
    if (solution === undefined) throw new Error(`${solutionsPath(file)} is missing from this checkout`);
    return { labsPath: labsPath(file), solutionsPath: solutionsPath(file), solution, yours: read(labsPath(file)) };
  });
}
