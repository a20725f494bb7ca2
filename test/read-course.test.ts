// chapters/NN-name/labs.yaml as chapters/read-course.ts reads it, on small courses of the test's own:
// what it derives, and the one line it gives for each kind of slip a person editing the file makes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readCourse } from '../chapters/read-course.ts';

let work: string | undefined;
afterEach(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  work = undefined;
});

/** A project with chapters/<dir>/labs.yaml for each entry (and a README.md where `readme`); its chapters/. */
function course(files: Record<string, { yaml: string; readme?: boolean }>): string {
  work = mkdtempSync(join(tmpdir(), 'read-course-'));
  const chapters = join(work, 'chapters');
  for (const [dir, { yaml, readme }] of Object.entries(files)) {
    mkdirSync(join(chapters, dir), { recursive: true });
    writeFileSync(join(chapters, dir, 'labs.yaml'), yaml);
    if (readme) writeFileSync(join(chapters, dir, 'README.md'), '# Chapter\n');
  }
  mkdirSync(join(chapters, 'not-a-chapter'));
  return chapters;
}

const LAB = `
title: Alpha
book: chapter 2
labs:
  - id: ch1-first-lab
    title: Do the first thing
    files: [src/a.ts]
    functions: [a]
    task: >-
      Make \`a\` do
      it.
    hints:
      - one
      - two
    mistakes:
      - name: left out
        find: |2-
            a();
            b();
        replace: ""
      - name: an octal mode
        find: 0o644
        replace: 0o666
`;

function withLab(edit: (yaml: string) => string): string {
  return course({ '01-alpha': { yaml: edit(LAB), readme: true } });
}

describe('what readCourse derives', () => {
  test('number from the directory, status and text from the README, spec from the id, a mistake file from the lab', () => {
    const chapters = course({
      '00-setup': { yaml: 'title: Set-up\nbook: chapter 1\nlabs: []\n', readme: true },
      '01-alpha': { yaml: LAB, readme: true },
      '02-beta': { yaml: 'title: Beta\nbook: chapter 3\n' },
    });
    expect(readCourse(chapters)).toStrictEqual([
      { number: 0, title: 'Set-up', status: 'ready', text: 'chapters/00-setup/README.md', book: 'chapter 1', labs: [] },
      {
        number: 1,
        title: 'Alpha',
        status: 'ready',
        text: 'chapters/01-alpha/README.md',
        book: 'chapter 2',
        labs: [
          {
            id: 'ch1-first-lab',
            title: 'Do the first thing',
            task: 'Make `a` do it.',
            files: ['src/a.ts'],
            functions: ['a'],
            spec: 'checker/specs/ch01/first-lab.spec.ts',
            // No points written: the lab is worth 1.
            points: 1,
            hints: ['one', 'two'],
            mistakes: [
              { name: 'left out', file: 'src/a.ts', find: '  a();\n  b();', replace: '' },
              // The failsafe schema: numbers stay as written.
              { name: 'an octal mode', file: 'src/a.ts', find: '0o644', replace: '0o666' },
            ],
          },
        ],
      },
      { number: 2, title: 'Beta', status: 'coming', book: 'chapter 3', labs: [] },
    ]);
  });
});

test("a lab's points, as written", () => {
  const chapters = withLab((y) => y.replace('    hints:\n', '    points: 3\n    hints:\n'));
  expect(readCourse(chapters)[0]!.labs[0]!.points).toBe(3);
});

describe('a slip in labs.yaml is one line naming the file, the lab and the field', () => {
  test.each([
    [
      'a misspelt field',
      (y: string) => y.replace('hints:', 'hint:'),
      'chapters/01-alpha/labs.yaml: lab ch1-first-lab: unknown field hint',
    ],
    [
      'a missing field',
      (y: string) => y.replace('    functions: [a]\n', ''),
      'chapters/01-alpha/labs.yaml: lab ch1-first-lab: functions is missing',
    ],
    [
      'an id of another chapter',
      (y: string) => y.replace('ch1-first-lab', 'ch2-first-lab'),
      'lab ch2-first-lab: the id must be ch1-NAME',
    ],
    [
      'a hint that is a mapping',
      (y: string) => y.replace('- two', '- two: three'),
      'lab ch1-first-lab: hints 2: expected a text',
    ],
    [
      'an empty task',
      (y: string) => y.replace(/task: >-\n.*\n.*\n/, 'task: ""\n'),
      'lab ch1-first-lab: task: is empty',
    ],
    [
      'points that are not a whole number',
      (y: string) => y.replace('    hints:\n', '    points: 2.5\n    hints:\n'),
      'lab ch1-first-lab: points: expected a whole number from 1 to 9999, not 2.5',
    ],
    [
      'no points',
      (y: string) => y.replace('    hints:\n', '    points: 0\n    hints:\n'),
      'lab ch1-first-lab: points: expected a whole number from 1 to 9999, not 0',
    ],
    [
      'files as one text',
      (y: string) => y.replace('[src/a.ts]', 'src/a.ts'),
      'lab ch1-first-lab: files: expected a list',
    ],
    [
      'a mistake without its file in a lab of two files',
      (y: string) => y.replace('[src/a.ts]', '[src/a.ts, src/b.ts]'),
      'lab ch1-first-lab: mistake 1: file is needed (the lab edits 2 files)',
    ],
    [
      'broken YAML',
      (y: string) => y.replace('    title: Do', '   title: Do'),
      /^chapters\/01-alpha\/labs\.yaml: .* at line \d+, column \d+/,
    ],
  ])('%s', (_name, edit, message) => {
    const chapters = withLab(edit);
    expect(() => readCourse(chapters)).toThrow(message);
  });
});
