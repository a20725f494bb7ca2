// `lab reset`, `lab solution` and `lab env` as data.
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import { envLine } from '../../cli/commands/env/index.ts';
import { forgetLab, pristineFiles } from '../../cli/commands/reset/reset-data.ts';
import { refusal, solutionFiles } from '../../cli/commands/solution/solution-data.ts';
import { SolutionView } from '../../cli/commands/solution/SolutionView.tsx';
import { a1, fakeLab, PASSED } from './fixtures.ts';

describe('reset', () => {
  const two = { ...fakeLab('r1'), files: ['src/one.ts', 'src/two.ts'] };
  const atCommit: Record<string, string> = { 'labs/src/one.ts': 'stub one\n', 'labs/src/two.ts': 'stub two\n' };
  const fileAt = (commit: string, path: string) => (commit === 'c0ffee' ? atCommit[path] : undefined);

  test('restores every file from the pristine commit, noting which were changed', () => {
    const files = pristineFiles(two, 'c0ffee', fileAt, (path) =>
      path === 'labs/src/one.ts' ? 'my work\n' : 'stub two\n',
    );
    expect(files).toEqual([
      { labsPath: 'labs/src/one.ts', pristine: 'stub one\n', changed: true },
      { labsPath: 'labs/src/two.ts', pristine: 'stub two\n', changed: false },
    ]);
  });

  test('no recorded commit, or a commit without the file: one line saying so', () => {
    expect(pristineFiles(two, undefined, fileAt, () => '')).toMatch(
      /^no pristine commit is recorded .*labs\/src\/one\.ts, labs\/src\/two\.ts by hand$/,
    );
    expect(pristineFiles(two, 'deadbeef', fileAt, () => '')).toBe(
      'commit deadbeef has no labs/src/one.ts, so there is nothing to restore it from',
    );
  });

  test('forgetLab: not passed, no hints, other labs untouched', () => {
    const progress = { version: 1 as const, current: 'r1', labs: { r1: { ...PASSED, hintsRevealed: 3 }, a1: PASSED } };
    expect(forgetLab(progress, 'r1')).toEqual({
      version: 1,
      current: 'r1',
      labs: { r1: { hintsRevealed: 0 }, a1: PASSED },
    });
  });
});

describe('solution', () => {
  test('is refused until the lab passed, unless forced', () => {
    expect(refusal({ version: 1, labs: {} }, a1, false)).toMatch(
      /^a1 has not passed yet.*`lab solution a1 --force` shows it anyway$/,
    );
    expect(refusal({ version: 1, labs: {} }, a1, true)).toBeUndefined();
    expect(refusal({ version: 1, labs: { a1: PASSED } }, a1, false)).toBeUndefined();
  });

  test('--diff shows a unified diff from labs/ to solutions/', () => {
    const read = (path: string) => ({ 'labs/src/a1.ts': 'a\n// TODO\nc\n', 'solutions/src/a1.ts': 'a\nb\nc\n' })[path];
    const { lastFrame, unmount } = render(<SolutionView lab={a1} files={solutionFiles(a1, read)} diff />);
    const lines = (lastFrame() ?? '').split('\n');
    expect(lines).toContain('--- labs/src/a1.ts');
    expect(lines).toContain('+++ solutions/src/a1.ts');
    expect(lines).toContain('-// TODO');
    expect(lines).toContain('+b');
    unmount();
  });

  test('a missing solution file is an error naming it', () => {
    expect(() => solutionFiles(a1, () => undefined)).toThrow('solutions/src/a1.ts is missing from this checkout');
  });
});

test("lab env puts the project's bins first on PATH, quoted for the shell", () => {
  expect(envLine('/home/me/wyod')).toBe('export PATH="/home/me/wyod/bin/path:/home/me/wyod/node_modules/.bin:$PATH"');
  expect(envLine('/tmp/a "b" $c')).toBe(
    'export PATH="/tmp/a \\"b\\" \\$c/bin/path:/tmp/a \\"b\\" \\$c/node_modules/.bin:$PATH"',
  );
});
