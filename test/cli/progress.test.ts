// The progress file: which lab comes next, the updates, and the file itself.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { LabError } from '../../cli/errors.ts';
import {
  emptyProgress,
  hasPassed,
  labProgress,
  loadProgress,
  markFailed,
  markPassed,
  nextPendingLab,
  revealHint,
  saveProgress,
  type Progress,
} from '../../cli/progress/progress.ts';
import { openSession } from '../../cli/session.ts';
import { course, PASSED } from './fixtures.ts';

describe('nextPendingLab', () => {
  const cases: Array<{ name: string; passed: string[]; next: string | undefined }> = [
    { name: 'nothing passed: the first lab of the first chapter with labs', passed: [], next: 'a1' },
    { name: 'the first passed: the second', passed: ['a1'], next: 'a2' },
    { name: 'a chapter done: the next chapter', passed: ['a1', 'a2'], next: 'b1' },
    { name: 'a lab skipped: the skipped one comes first', passed: ['a2', 'b1'], next: 'a1' },
    {
      name: 'every ready lab passed: none, whatever coming chapters hold',
      passed: ['a1', 'a2', 'b1'],
      next: undefined,
    },
    { name: 'unknown ids in the file change nothing', passed: ['zz', 'a1'], next: 'a2' },
  ];
  test.each(cases)('$name', ({ passed, next }) => {
    const progress: Progress = { version: 1, labs: Object.fromEntries(passed.map((id) => [id, PASSED])) };
    expect(nextPendingLab(course, progress)?.id).toBe(next);
  });
});

describe('updates', () => {
  const when = new Date('2026-03-04T05:06:07.000Z');

  test('markPassed records when, and keeps the hints revealed', () => {
    const [withHint] = revealHint(emptyProgress(), 'a1', 3);
    const passed = markPassed(withHint, 'a1', when);
    expect(passed.labs.a1).toEqual({ passedAt: '2026-03-04T05:06:07.000Z', hintsRevealed: 1 });
    expect(hasPassed(passed, 'a1')).toBe(true);
    expect(hasPassed(withHint, 'a1')).toBe(false); // the input is not changed
  });

  test('markFailed drops passedAt and keeps the rest', () => {
    const failed = markFailed(markPassed({ ...emptyProgress(), current: 'a1' }, 'a1', when), 'a1');
    expect(failed.labs.a1).toEqual({ hintsRevealed: 0 });
    expect(failed.current).toBe('a1');
  });

  test('revealHint counts up to the number of hints and no further', () => {
    let progress = emptyProgress();
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      let count: number;
      [progress, count] = revealHint(progress, 'b1', 2);
      counts.push(count);
    }
    expect(counts).toEqual([1, 2, 2, 2]);
    expect(labProgress(progress, 'b1').hintsRevealed).toBe(2);
    expect(labProgress(progress, 'a1').hintsRevealed).toBe(0);
  });
});

describe('the progress file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-progress-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('save then load gives the same progress, and leaves no temporary file', () => {
    const file = join(dir, 'nested', 'progress.json');
    const progress: Progress = {
      version: 1,
      pristineCommit: 'abc',
      current: 'a2',
      labs: { a1: PASSED, a2: { hintsRevealed: 2 } },
    };
    saveProgress(file, progress);
    expect(loadProgress(file)).toEqual(progress);
    expect(JSON.parse(readFileSync(file, 'utf8')).current).toBe('a2');
  });

  test('a missing file is an empty progress', () => {
    expect(loadProgress(join(dir, 'absent.json'))).toEqual(emptyProgress());
  });

  test('a file of another shape is refused with its path and what to do', () => {
    const file = join(dir, 'progress.json');
    writeFileSync(file, JSON.stringify({ version: 7, labs: {} }));
    expect(() => loadProgress(file)).toThrow(
      `${file} is not a progress file this workbook understands: move it away to start afresh`,
    );
  });

  test('a corrupt file gives one clear error naming it', () => {
    const file = join(dir, 'progress.json');
    writeFileSync(file, '{"version": 1, "labs": {');
    expect(() => openSession(file)).toThrow(LabError);
    expect(() => openSession(file)).toThrow(
      new RegExp(`^${file} is not valid JSON \\(.+\\): move it away to start afresh$`),
    );
  });
});
