// README.md's table of chapters is the one the manifest makes (cli/dev/readme-table.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { chapters, type Chapter } from '../chapters/manifest.ts';
import { chapterTable, COMMAND, README, withChapterTable } from '../cli/dev/readme-table.ts';

describe("README.md's table of chapters", () => {
  test('is up to date with chapters/*/labs.yaml', () => {
    const readme = readFileSync(README, 'utf8');
    expect(
      withChapterTable(readme, chapterTable(chapters)) === readme,
      `README.md's chapter table is out of date: run \`${COMMAND}\``,
    ).toBe(true);
  });

  test('one row per chapter: its number, title, book and status with the count of its labs', () => {
    const lab = chapters[1]!.labs[0]!;
    const course: Chapter[] = [
      { number: 0, title: 'Set-up', status: 'ready', text: 'x', book: 'chapter 1', labs: [] },
      { number: 1, title: 'Alpha', status: 'ready', text: 'y', book: 'chapters 2.1 and 3.1', labs: [lab] },
      { number: 2, title: 'Beta', status: 'ready', text: 'z', book: 'chapter 4', labs: [lab, lab] },
      { number: 3, title: 'Gamma', status: 'coming', book: 'chapter 5', labs: [] },
    ];
    expect(chapterTable(course).split('\n').slice(2)).toEqual([
      '| | chapter | in the book | status |',
      '|---|---|---|---|',
      '| 0 | Set-up | chapter 1 | ready |',
      '| 1 | Alpha | chapters 2.1 and 3.1 | ready: 1 lab |',
      '| 2 | Beta | chapter 4 | ready: 2 labs |',
      '| 3 | Gamma | chapter 5 | coming |',
    ]);
  });

  test('replaces the table under "## Chapters", its mark too, and nothing else', () => {
    const table = chapterTable(chapters);
    const before = '# T\n\n| a | b |\n\n## Chapters\n\nSome words.\n\n| old |\n|---|\n| row |\n\n## Next\n\n| keep |\n';
    const once = withChapterTable(before, table);
    expect(once).toBe(`# T\n\n| a | b |\n\n## Chapters\n\nSome words.\n\n${table}\n\n## Next\n\n| keep |\n`);
    expect(withChapterTable(once, table)).toBe(once);
  });

  test('a mark that names an older command is replaced, not kept above the new one', () => {
    const table = chapterTable(chapters);
    const older = `## Chapters\n\n<!-- This table is made from chapters/*/labs.yaml: \`node cli/dev/readme-table.ts\` writes it. -->\n<!-- prettier-ignore -->\n| old |\n|---|\n\nAfter.\n`;
    expect(withChapterTable(older, table)).toBe(`## Chapters\n\n${table}\n\nAfter.\n`);
  });
});
