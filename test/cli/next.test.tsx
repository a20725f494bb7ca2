// `lab next`: what it shows, decided from the progress, and the screens at a fixed width.
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import { leadingMarkdown, planNext, type NextInput } from '../../cli/commands/next/next-data.ts';
import { nextBlocks } from '../../cli/commands/next/NextView.tsx';
import { renderMarkdown } from '../../cli/ui/markdown.ts';
import type { ProbeResult } from '../../cli/commands/doctor/probes.ts';
import type { NextScreen } from '../../cli/commands/next/next-data.ts';
import type { Progress } from '../../cli/progress/progress.ts';
import { course, PASSED } from './fixtures.ts';

const texts: Record<string, string> = {
  'chapters/00/README.md': '# Chapter 0 — Set-up\n\nWelcome text.',
  'chapters/01/README.md': '# Chapter 1 — Alpha\n\nAlpha text.',
};
const input = (progress: Progress): NextInput => ({ chapters: course, progress, readText: (path) => texts[path] });

describe('planNext', () => {
  test('the first time: the set-up chapter, and the first lab becomes current', () => {
    const { screen, progress } = planNext(input({ version: 1, labs: {} }));
    expect(screen).toMatchObject({
      kind: 'welcome',
      setup: { markdown: texts['chapters/00/README.md'] },
      firstLab: { id: 'a1' },
    });
    expect(progress.current).toBe('a1');
  });

  test('the current lab has not passed: it again, with its chapter text while the chapter is not started', () => {
    const fresh = planNext(input({ version: 1, current: 'a1', labs: {} }));
    expect(fresh.screen).toMatchObject({
      kind: 'lab',
      lab: { id: 'a1' },
      intro: { markdown: texts['chapters/01/README.md'] },
    });
    const started = planNext(input({ version: 1, current: 'a1', labs: { a1: { hintsRevealed: 0 } } }));
    expect(started.screen).toMatchObject({ kind: 'lab', lab: { id: 'a1' }, intro: undefined, passed: undefined });
    expect(started.progress.current).toBe('a1');
  });

  test('the current lab passed: on to the next, in the same chapter without its text', () => {
    const { screen, progress } = planNext(input({ version: 1, current: 'a1', labs: { a1: PASSED } }));
    expect(screen).toMatchObject({ kind: 'lab', lab: { id: 'a2' }, passed: { id: 'a1' }, intro: undefined });
    expect(progress.current).toBe('a2');
  });

  test('the next lab starts a chapter: its text first, or a note when it is not written yet', () => {
    const { screen, progress } = planNext(input({ version: 1, current: 'a2', labs: { a1: PASSED, a2: PASSED } }));
    expect(screen).toMatchObject({
      kind: 'lab',
      lab: { id: 'b1' },
      intro: { chapter: { number: 2 }, markdown: undefined },
    });
    expect(progress.current).toBe('b1');
  });

  test('every ready lab passed: done, with the chapters still coming', () => {
    const { screen } = planNext(input({ version: 1, current: 'b1', labs: { a1: PASSED, a2: PASSED, b1: PASSED } }));
    expect(screen).toMatchObject({ kind: 'done', labCount: 3, coming: [{ number: 3 }] });
  });
});

/** The screen as `lab next` prints it: ink blocks rendered at 100 columns, text blocks as they are. */
function screenText(screen: NextScreen, probes: ProbeResult[] = [], leadingPrinted = false): string {
  return nextBlocks(screen, probes, 100, { leadingPrinted })
    .map((block) => {
      if ('text' in block) return block.text;
      const { lastFrame, unmount } = render(<>{block.node}</>);
      const frame = lastFrame() ?? '';
      unmount();
      return frame;
    })
    .join('\n');
}

describe('the lab next screen', () => {
  test('a lab: chapter, title, task, files as labs/<file>, functions, and what to do when done', () => {
    const { screen } = planNext(input({ version: 1, current: 'a1', labs: { a1: { hintsRevealed: 1 } } }));
    const frame = screenText(screen);
    expect(frame).toContain('Chapter 1 · Alpha');
    expect(frame).toContain('Lab a1 (1 of 2 in chapter 1): Title of a1');
    expect(frame).toContain('Do a1.');
    expect(frame).toContain('  labs/src/a1.ts');
    expect(frame).toContain('Functions: a1Fn()');
    expect(frame).toContain('(1 of 3 hints revealed)');
    expect(frame).toContain('When done: lab check');
  });

  test('a lab that starts a chapter: the chapter text comes first, then a rule, then the lab', () => {
    const { screen } = planNext(input({ version: 1, current: 'a1', labs: {} }));
    const frame = screenText(screen);
    expect(frame.indexOf('Alpha text.')).toBeGreaterThan(-1);
    expect(frame.indexOf('Alpha text.')).toBeLessThan(frame.indexOf('─'.repeat(60)));
    expect(frame.indexOf('─'.repeat(60))).toBeLessThan(frame.indexOf('Lab a1 (1 of 2 in chapter 1)'));
  });

  test('a chapter whose text is not written yet: its title and a note, no crash', () => {
    const { screen } = planNext(input({ version: 1, current: 'a2', labs: { a1: PASSED, a2: PASSED } }));
    const frame = screenText(screen);
    expect(frame).toContain('✓ a2 passes. On to the next lab.');
    expect(frame).toMatch(
      /Chapter 2 · Beta\n\(The text of this chapter is not written yet: chapters\/02\/README\.md does not exist\. The book\s+covers\s+it in ch 3\.\)/,
    );
  });

  test('the welcome: the set-up text, the doctor summary, and where to go next', () => {
    const { screen } = planNext(input({ version: 1, labs: {} }));
    const probes = [
      { name: 'root on Linux', ok: true, detail: 'running as root' },
      { name: 'overlayfs', ok: false, detail: 'not in /proc/filesystems', fix: 'modprobe overlay' },
    ];
    const frame = screenText(screen, probes);
    expect(frame).toContain('Welcome text.');
    expect(frame).toContain('lab doctor: 1 of 2 ok; to fix:');
    expect(frame).toContain('✗ overlayfs: not in /proc/filesystems → modprobe overlay');
    expect(frame).toContain('Your first lab is a1: run lab next again to see it.');
  });

  test('all done: lists the chapters still coming', () => {
    const { screen } = planNext(input({ version: 1, current: 'b1', labs: { a1: PASSED, a2: PASSED, b1: PASSED } }));
    const frame = screenText(screen);
    expect(frame).toContain('All 3 labs of the ready chapters pass.');
    expect(frame).toContain('Still coming:\n  3 Gamma');
  });
});

describe('the chapter text goes out first, before ink is loaded', () => {
  const screens: [string, Progress][] = [
    ['a lab that starts a chapter', { version: 1, current: 'a1', labs: {} }],
    ['the welcome', { version: 1, labs: {} }],
    ['a lab in a started chapter', { version: 1, current: 'a1', labs: { a1: { hintsRevealed: 0 } } }],
    ['a lab just reached, after one passed', { version: 1, current: 'a2', labs: { a1: PASSED, a2: PASSED } }],
  ];
  test.each(screens)('%s: the text, then the rest, is the whole screen', (_name, progress) => {
    const { screen } = planNext(input(progress));
    const leading = leadingMarkdown(screen);
    const printedFirst = leading === undefined ? [] : [renderMarkdown(leading, 100)];
    const rest = screenText(screen, [], leading !== undefined);
    expect([...printedFirst, rest].join('\n')).toBe(screenText(screen));
  });

  test('only a screen that starts with a chapter text has one to print first', () => {
    expect(leadingMarkdown(planNext(input({ version: 1, current: 'a1', labs: {} })).screen)).toContain('Alpha text.');
    expect(leadingMarkdown(planNext(input({ version: 1, labs: {} })).screen)).toContain('Welcome text.');
    expect(
      leadingMarkdown(planNext(input({ version: 1, current: 'a1', labs: { a1: { hintsRevealed: 0 } } })).screen),
    ).toBeUndefined();
  });
});
