// `lab list`: the course as data, its view at a fixed width, and the command on a temporary progress file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import { chapters } from '../../chapters/manifest.ts';
import { courseOf } from '../../cli/commands/list/list-data.ts';
import { ListView } from '../../cli/commands/list/ListView.tsx';
import { list } from '../../cli/commands/list/index.tsx';
import { commandRun, course, PASSED } from './fixtures.ts';

describe('courseOf', () => {
  test('marks passed, current and pending labs; coming chapters list no labs', () => {
    const result = courseOf(course, { version: 1, current: 'a2', labs: { a1: PASSED } });
    expect(result.chapters.map((c) => [c.number, c.status, c.labs.map((l) => `${l.id}:${l.mark}`)])).toEqual([
      [0, 'ready', []],
      [1, 'ready', ['a1:passed', 'a2:current']],
      [2, 'ready', ['b1:pending']],
      [3, 'coming', []],
    ]);
    expect([result.done, result.total]).toEqual([1, 3]);
  });

  test('without a current lab, the next pending one is marked current', () => {
    const result = courseOf(course, { version: 1, labs: { a1: PASSED, a2: PASSED } });
    expect(result.chapters[2]?.labs[0]?.mark).toBe('current');
  });
});

describe('ListView', () => {
  test('renders every chapter, the labs with their marks, and the count', () => {
    const { lastFrame, unmount } = render(
      <ListView course={courseOf(course, { version: 1, current: 'a2', labs: { a1: PASSED } })} />,
    );
    expect(lastFrame()).toBe(
      [
        ' 0 Set-up',
        ' 1 Alpha',
        '    ✓ a1  Title of a1',
        '    → a2  Title of a2',
        ' 2 Beta',
        '    · b1  Title of b1',
        ' 3 Gamma (coming)',
        '',
        '1 of 3 labs done',
      ].join('\n'),
    );
    unmount();
  });
});

describe('the list command', () => {
  const run = commandRun('list');

  test('reads the progress file and prints the real course', async () => {
    writeFileSync(
      join(run.dir, 'progress.json'),
      JSON.stringify({ version: 1, current: 'ch1-namespaces', labs: { 'ch1-command': PASSED } }),
    );
    expect(await list({})).toBe(0);
    expect(run.written).toMatch(/✓ ch1-command\s+\S/);
    expect(run.written).toMatch(/→ ch1-namespaces\s+Clone the container into new namespaces/);
    // Every chapter of the real course, the coming ones (if any are left) marked so.
    for (const chapter of chapters)
      expect(run.written).toContain(`${chapter.title}${chapter.status === 'coming' ? ' (coming)' : ''}`);
    expect(run.written).toMatch(/1 of \d+ labs done/);
  });
});
