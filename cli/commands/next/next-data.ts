// What `lab next` shows, decided from the progress alone: the welcome (first run), the lab the
// learner is on (moving on once it passes), or the end of the ready chapters.
import type { Chapter, Lab } from '../../../chapters/manifest.ts';
import { hasPassed, labProgress, nextPendingLab, type Progress } from '../../progress/progress.ts';

export interface ChapterText {
  chapter: Chapter;
  /** The chapter's Markdown; undefined while it is not written yet. */
  markdown?: string;
}

export type NextScreen =
  | { kind: 'welcome'; setup?: ChapterText; firstLab?: Lab }
  | {
      kind: 'lab';
      lab: Lab;
      chapter: Chapter;
      /** The chapter's text, shown before the lab when the learner has not started the chapter. */
      intro?: ChapterText;
      /** The lab that passed, when `lab next` just moved on from it. */
      passed?: Lab;
      hintsRevealed: number;
    }
  | { kind: 'done'; passed?: Lab; labCount: number; coming: Chapter[] };

export interface NextInput {
  chapters: readonly Chapter[];
  progress: Progress;
  /** Reads a file relative to the project root; undefined when it does not exist. */
  readText: (path: string) => string | undefined;
}

export function planNext({ chapters, progress, readText }: NextInput): { screen: NextScreen; progress: Progress } {
  const labs = chapters.filter((c) => c.status === 'ready').flatMap((c) => c.labs);
  const textOf = (chapter: Chapter | undefined): ChapterText | undefined =>
    chapter && { chapter, markdown: chapter.text === undefined ? undefined : readText(chapter.text) };

  if (progress.current === undefined) {
    const firstLab = nextPendingLab(chapters, progress);
    const setup = textOf(chapters.find((c) => c.number === 0));
    return {
      screen: { kind: 'welcome', setup, firstLab },
      progress: firstLab ? { ...progress, current: firstLab.id } : progress,
    };
  }

  let lab = labs.find((l) => l.id === progress.current);
  let passed: Lab | undefined;
  if (!lab || hasPassed(progress, lab.id)) {
    passed = lab;
    lab = nextPendingLab(chapters, progress);
    if (!lab) {
      const coming = chapters.filter((c) => c.status === 'coming');
      return { screen: { kind: 'done', passed, labCount: labs.length, coming }, progress };
    }
    progress = { ...progress, current: lab.id };
  }
  const chapter = chapters.find((c) => c.labs.includes(lab))!;
  const started = chapter.labs.some((l) => progress.labs[l.id] !== undefined);
  return {
    screen: {
      kind: 'lab',
      lab,
      chapter,
      intro: started ? undefined : textOf(chapter),
      passed,
      hintsRevealed: labProgress(progress, lab.id).hintsRevealed,
    },
    progress,
  };
}

/**
 * The chapter text a screen starts with, when it starts with one: `lab next` prints it before it
 * loads ink for the rest (the first paint), and nextBlocks() then leaves it out.
 */
export function leadingMarkdown(screen: NextScreen): string | undefined {
  if (screen.kind === 'welcome') return screen.setup?.markdown;
  if (screen.kind === 'lab' && !screen.passed) return screen.intro?.markdown;
  return undefined;
}
