// The workbook's one manifest: every chapter, every lab, the files a lab edits, the checks that
// prove it, and its staged hints. The data are written in chapters/NN-name/labs.yaml, beside each
// chapter's text (the types below say what each field is); `lab` reads only this module; the dev
// check (cli/dev/check.ts) proves it true: each lab fails on its stub and passes on its solution, has
// two hints or more, and every file that differs between labs/ and solutions/ belongs to a lab.
// Every other file of labs/ is generated from solutions/ by `npm run dev-update` (cli/dev/update.ts),
// which leaves lab files alone.
import { course } from './course.ts';

export interface Lab {
  /** Stable id: used on the command line (`lab check ch1-proc`) and in the progress file. */
  id: string;
  title: string;
  /** What to do, in one paragraph of Markdown. */
  task: string;
  /**
   * Files to edit, relative to labs/ (the same path exists under solutions/): the stubs, which
   * `npm run dev-update` never overwrites (it writes every other file of labs/ from solutions/).
   */
  files: string[];
  /** The functions in those files that hold TODOs. */
  functions: string[];
  /** The checker spec that proves the lab, relative to the project root; derived: ch1-proc's is checker/specs/ch01/proc.spec.ts. */
  spec: string;
  /**
   * What the lab is worth in `lab grade`'s gradebook: all of it once every check of the lab passes,
   * none before (a lab is one lesson, proved whole). labs.yaml's `points`, a whole number from 1; 1
   * when it leaves it out.
   */
  points: number;
  /** Staged hints, from a nudge to nearly the answer; `lab hint` reveals one at a time. */
  hints: string[];
  /**
   * The classic mistakes the lab's checks must catch, as edits of the solution: the dev check copies
   * solutions/, replaces `find` (which must occur exactly once in `file`, so that a change of the
   * solution shows) with `replace`, runs the lab's spec on that tree and proves a check fails.
   */
  mistakes: Mistake[];
}

/** One classic mistake: the solution with one edit (see Lab.mistakes). */
export interface Mistake {
  /** What the learner got wrong, in a few words: "no MS_REC". */
  name: string;
  /** The file to edit, relative to solutions/ (usually one of the lab's files; labs.yaml leaves it out when the lab has one). */
  file: string;
  find: string;
  replace: string;
}

export interface Chapter {
  /** Derived from the directory's name: chapters/01-namespaces is chapter 1. */
  number: number;
  title: string;
  /**
   * 'ready' chapters have text and labs; 'coming' ones are listed so the course's shape is visible.
   * Derived: a chapter is ready once its README.md exists.
   */
  status: 'ready' | 'coming';
  /** The chapter's text, relative to the project root: chapters/NN-name/README.md, when it exists. */
  text?: string;
  /** What the book (《自己动手写Docker》) covers in the matching place. */
  book: string;
  labs: Lab[];
}

/** Every chapter in order, read from chapters/NN-name/labs.yaml (chapters/read-course.ts). */
export const chapters: Chapter[] = course;

export function allLabs(): Lab[] {
  return chapters.flatMap((chapter) => chapter.labs);
}

export function findLab(id: string): Lab | undefined {
  return allLabs().find((lab) => lab.id === id);
}

export function chapterOf(lab: Lab): Chapter {
  const chapter = chapters.find((c) => c.labs.includes(lab));
  if (!chapter) throw new Error(`lab ${lab.id} is in no chapter`);
  return chapter;
}
