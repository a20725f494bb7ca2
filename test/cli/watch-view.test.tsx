// `lab watch`'s screen, rendered by ink-testing-library at a fixed size (80 columns, 24 rows: the
// state carries the size), from states the reducer made; and its keys.
import { render } from 'ink-testing-library';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../../checker/results.ts';
import { WatchApp } from '../../cli/commands/watch/live-screen.tsx';
import { WatchScreen } from '../../cli/commands/watch/WatchView.tsx';
import {
  reduceWatch,
  startWatch,
  type WatchEvent,
  type WatchKey,
  type WatchState,
} from '../../cli/commands/watch/watch-state.ts';
import { chapters, findLab } from '../../chapters/manifest.ts';
import { a1, course } from './fixtures.ts';

const COLUMNS = 80;
const ROWS = 24;
const WHEN = new Date('2026-12-02T08:00:00.000Z');

function passing(name: string): CheckResult {
  return { type: 'check', lab: 'a1', spec: a1.spec, name, state: 'passed', durationMs: 12, errors: [] };
}
const failing: CheckResult = {
  type: 'check',
  lab: 'a1',
  spec: a1.spec,
  name: 'ps lists only the container',
  state: 'failed',
  durationMs: 80,
  hint: 2,
  errors: [
    {
      message: 'processes inside: expected [ …(3) ] to deeply equal [ …(2) ]',
      expected: '[\n  "sh",\n]',
      actual: '[\n  "init",\n]',
    },
  ],
};

function stateAfter(events: WatchEvent[], source = 'labs'): WatchState {
  let { state } = startWatch({
    chapters: course,
    lab: a1,
    source,
    progress: { version: 1, labs: {} },
    columns: COLUMNS,
    rows: ROWS,
  });
  for (const event of events) state = reduceWatch(state, event).state;
  return state;
}

function frameOf(state: WatchState): string[] {
  const { lastFrame, unmount } = render(<WatchScreen state={state} />);
  const lines = stripVTControlCharacters(lastFrame() ?? '')
    .split('\n')
    .map((line) => line.trimEnd());
  unmount();
  return lines;
}

/** Every frame fits the terminal: no line wider than it, and fewer lines than its rows (nothing scrolls). */
function expectFits(lines: string[]): void {
  expect(lines.filter((line) => line.length > COLUMNS)).toEqual([]);
  expect(lines.length).toBeLessThan(ROWS);
}

describe('WatchScreen at 80 columns', () => {
  test('while running: the lab, the files watched, the finished checks, the live line, the keys', () => {
    const lines = frameOf(stateAfter([{ type: 'check', run: 1, event: passing('mounts /proc') }]));
    expectFits(lines);
    expect(lines[0]).toBe('a1: Title of a1');
    expect(lines[1]).toBe('watching labs/src/a1.ts · run 1');
    expect(lines).toContain('✓ mounts /proc 12 ms');
    expect(lines.some((line) => /^. checking a1 against labs\/ · 1 done · \d+\.\d s$/.test(line))).toBe(true);
    expect(lines.at(-1)).toBe('h hint · n next lab · l list · q quit');
  });

  test('a failing run: lab check’s lines (message, diff, hint), and what to do next', () => {
    const lines = frameOf(
      stateAfter([
        { type: 'check', run: 1, event: passing('mounts /proc') },
        { type: 'check', run: 1, event: failing },
        { type: 'run-finished', run: 1, output: '', when: WHEN },
      ]),
    );
    expectFits(lines);
    const at = lines.indexOf('✗ ps lists only the container');
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '    processes inside: expected [ …(3) ] to deeply equal [ …(2) ]',
      '    - expected + actual',
    ]);
    expect(lines).toContain('    hint 2 may help: lab hint');
    expect(lines).toContain('1 of 2 checks pass');
    expect(lines).toContain('a1 does not pass yet: fix the first ✗ above and save, the checks run again');
  });

  test('a passing run offers the next lab', () => {
    const lines = frameOf(
      stateAfter([
        { type: 'check', run: 1, event: passing('mounts /proc') },
        { type: 'run-finished', run: 1, output: '', when: WHEN },
      ]),
    );
    expectFits(lines);
    expect(lines).toContain('✓ a1 passes');
    expect(lines).toContain('n moves on to a2: Title of a2');
  });

  test('another tree: named, and not counted as progress', () => {
    const lines = frameOf(
      stateAfter(
        [
          { type: 'check', run: 1, event: passing('mounts /proc') },
          { type: 'run-finished', run: 1, output: '', when: WHEN },
        ],
        'solutions',
      ),
    );
    expect(lines[1]).toBe('watching solutions/src/a1.ts · run 1');
    expect(lines).toContain('✓ solutions/ passes a1 (your progress counts labs/ only)');
  });

  test('a save during a run: the run being stopped and why, then the new run named by its file', () => {
    const stopping = stateAfter([{ type: 'file-changed', files: ['/course/labs/src/a1.ts'] }]);
    const lines = frameOf(stopping);
    expect(lines.some((line) => line.includes('stopping the checks, a1.ts changed: starting again'))).toBe(true);
    const restarted = frameOf(reduceWatch(stopping, { type: 'run-cancelled', run: 1 }).state);
    expect(restarted[1]).toBe('watching labs/src/a1.ts · run 2 · saved: a1.ts');
  });

  test('h: the hint under the checks, as lab hint shows it', () => {
    const lines = frameOf(stateAfter([{ type: 'key', key: 'hint' }]));
    expectFits(lines);
    expect(lines).toContain('Hints for a1 (Title of a1)');
    expect(lines).toContain('1.  hint 1 of a1');
  });

  test('l: the course instead of the checks, as lab list shows it', () => {
    const lines = frameOf(stateAfter([{ type: 'key', key: 'list' }]));
    expectFits(lines);
    expect(lines).toContain(' 1 Alpha');
    expect(lines).toContain('    → a1  Title of a1');
    expect(lines.at(-1)).toBe('h hint · n next lab · l back to the checks · q quit');
  });

  test("l on a course taller than the screen: from the watched lab's chapter on, the others named", () => {
    const lab = findLab('ch3-sysfs')!;
    let { state } = startWatch({
      chapters,
      lab,
      source: 'labs',
      progress: { version: 1, labs: {} },
      columns: COLUMNS,
      rows: ROWS,
    });
    state = reduceWatch(state, { type: 'key', key: 'list' }).state;
    const lines = frameOf(state);
    expectFits(lines);
    expect(lines[3]).toBe('chapters 0-2 above: `lab list` shows the whole course');
    expect(lines[4]).toBe(' 3 Root filesystems and pivot_root');
    expect(lines.some((line) => line.includes(' ch3-sysfs '))).toBe(true);
  });

  test('more checks than rows: the region keeps its height, cut at the bottom, lines never drawn over each other', () => {
    const many: WatchEvent[] = Array.from({ length: 40 }, (_, i) => ({
      type: 'check',
      run: 1,
      event: passing(`check number ${i}`),
    }));
    const lines = frameOf(stateAfter(many));
    expectFits(lines);
    expect(lines[3]).toBe('✓ check number 0 12 ms');
    expect(lines.filter((line) => line.startsWith('✓')).every((line, i) => line === `✓ check number ${i} 12 ms`)).toBe(
      true,
    );
    expect(lines.at(-1)).toBe('h hint · n next lab · l list · q quit');
  });
});

describe('keys', () => {
  test.each([
    ['h', 'hint'],
    ['n', 'next'],
    ['l', 'list'],
    ['q', 'quit'],
    ['\u0003', 'quit'], // Ctrl-C, which raw mode delivers as a key
  ])('%j is %s', async (input, expected) => {
    const keys: WatchKey[] = [];
    const { stdin, unmount } = render(<WatchApp state={stateAfter([])} onKey={(key) => keys.push(key)} />);
    const until = async (done: () => boolean): Promise<void> => {
      for (const deadline = Date.now() + 5_000; !done() && Date.now() < deadline;)
        await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await until(() => stdin.listenerCount('readable') > 0); // useInput subscribes in an effect
    stdin.write('x'); // any other key does nothing (keys are read in order: it is read before the next)
    stdin.write(input);
    await until(() => keys.length > 0);
    unmount();
    expect(keys).toEqual([expected]);
  });
});
