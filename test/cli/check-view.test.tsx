// `lab check`: the reducer over the checker's events, and the screen at a fixed width (100 columns,
// ink-testing-library's terminal).
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../../checker/results.ts';
import {
  initialCheckState,
  progressAfter,
  reduceCheck,
  type CheckAction,
  type CheckState,
} from '../../cli/commands/check/check-data.ts';
import { CheckScreen } from '../../cli/commands/check/CheckView.tsx';
import { a1 } from './fixtures.ts';

const passing: CheckResult = {
  type: 'check',
  lab: 'a1',
  spec: a1.spec,
  name: 'mounts /proc',
  state: 'passed',
  durationMs: 12,
  hint: 1,
  errors: [],
};
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
      expected: '[\n  "sh",\n  "ps",\n]',
      actual: '[\n  "sh",\n  "init",\n  "ps",\n]',
    },
  ],
};

function run(actions: CheckAction[], state = initialCheckState(a1, 'labs')): CheckState {
  return actions.reduce(reduceCheck, state);
}

describe('reduceCheck', () => {
  test('passes only when every check passed', () => {
    expect(run([passing, { type: 'finished', output: '' }]).report).toMatchObject({
      lab: 'a1',
      source: 'labs',
      passed: true,
    });
    expect(run([passing, failing, { type: 'finished', output: '' }]).report?.passed).toBe(false);
  });

  test('a spec error fails the lab even when the checks passed', () => {
    const state = run([
      passing,
      { type: 'spec-error', spec: a1.spec, message: 'leaked: a mount' },
      { type: 'finished', output: '' },
    ]);
    expect(state.report).toMatchObject({ passed: false, specErrors: [{ spec: a1.spec, message: 'leaked: a mount' }] });
  });

  test("no check at all is a failure, explained by the end of vitest's output", () => {
    const output =
      Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n') + '\n\u001b[31mError: no such file\u001b[39m\n';
    const { report } = run([{ type: 'finished', output }]);
    expect(report?.passed).toBe(false);
    expect(report?.checks).toEqual([]);
    expect(report?.specErrors).toHaveLength(1);
    expect(report?.specErrors[0]?.message).toMatch(/^line 11\n[\s\S]*\nError: no such file$/);
  });

  test('the report is the --json shape', () => {
    const { report } = run([failing, { type: 'finished', output: '' }], initialCheckState(a1, 'solutions'));
    expect(Object.keys(report!)).toEqual(['lab', 'source', 'passed', 'checks', 'specErrors']);
    expect(report?.checks).toEqual([failing]);
  });
});

describe('an interrupted run (Ctrl-C)', () => {
  test('never passes, records nothing, and says so', () => {
    const state = run([passing, { type: 'finished', output: '', interrupted: true }]);
    expect(state.report?.passed).toBe(false);
    const before = { version: 1 as const, labs: {} };
    expect(progressAfter(before, state.report!, new Date(), true)).toBe(before);
    const { lastFrame, unmount } = render(<CheckScreen state={state} />);
    expect(lastFrame()).toContain('1 of 1 check passes\nstopped before the end (Ctrl-C): your progress is unchanged');
    unmount();
  });
});

describe('progressAfter', () => {
  const when = new Date('2026-05-06T07:08:09.000Z');
  const before = { version: 1 as const, labs: { a1: { passedAt: '2026-01-01T00:00:00.000Z', hintsRevealed: 1 } } };

  test('labs/ passing marks the lab passed, failing unmarks it', () => {
    const passed = run([passing, { type: 'finished', output: '' }]).report!;
    expect(progressAfter({ version: 1, labs: {} }, passed, when).labs.a1).toEqual({
      passedAt: '2026-05-06T07:08:09.000Z',
      hintsRevealed: 0,
    });
    const failed = run([passing, failing, { type: 'finished', output: '' }]).report!;
    expect(progressAfter(before, failed, when).labs.a1).toEqual({ hintsRevealed: 1 });
  });

  test('no check at all is not a pass', () => {
    const empty = run([{ type: 'finished', output: '' }]).report!;
    expect(progressAfter(before, empty, when).labs.a1?.passedAt).toBeUndefined();
  });

  test('the reference or another tree changes nothing', () => {
    const report = run([failing, { type: 'finished', output: '' }], initialCheckState(a1, 'solutions')).report!;
    expect(progressAfter(before, report, when)).toBe(before);
  });
});

describe('CheckScreen', () => {
  test('while running: the finished lines, and a live line that counts them', () => {
    const { lastFrame, unmount } = render(<CheckScreen state={run([passing])} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain('a1: Title of a1');
    expect(frame).toContain('✓ mounts /proc 12 ms');
    expect(frame).toMatch(/checking a1 against labs\/ · 1 done/);
    unmount();
  });

  test('a failing check: its message, a diff of expected and actual, and the hint that helps', () => {
    const { lastFrame, unmount } = render(
      <CheckScreen state={run([passing, failing, { type: 'finished', output: '' }])} />,
    );
    const lines = (lastFrame() ?? '').split('\n').map((line) => line.trimEnd());
    const at = lines.indexOf('✗ ps lists only the container');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 9)).toEqual([
      '    processes inside: expected [ …(3) ] to deeply equal [ …(2) ]',
      '    - expected + actual',
      '      [',
      '        "sh",',
      '    +   "init",',
      '        "ps",',
      '      ]',
      '    hint 2 may help: lab hint',
    ]);
    expect(lines).toContain('1 of 2 checks pass');
    expect(lines).toContain('a1 does not pass yet: start with the first ✗ above, then `lab check` again');
    unmount();
  });

  test('names the lab in the hint command when it is not the current one, and says when the hint was seen', () => {
    const state = initialCheckState(a1, 'labs', { hintsRevealed: 2, isCurrent: false });
    const { lastFrame, unmount } = render(
      <CheckScreen state={run([failing, { type: 'finished', output: '' }], state)} />,
    );
    expect(lastFrame()).toContain('hint 2 may help (revealed already: lab hint a1 lists it)');
    unmount();
  });

  test('a spec that could not run is shown with its message', () => {
    const actions: CheckAction[] = [
      { type: 'spec-error', spec: a1.spec, message: 'leaked:\n  - the lab host gained a mount: proc /proc' },
      { type: 'finished', output: '' },
    ];
    const { lastFrame, unmount } = render(<CheckScreen state={run(actions)} />);
    const frame = lastFrame() ?? '';
    expect(frame).toContain(`✗ ${a1.spec} could not run to the end`);
    expect(frame).toContain('      - the lab host gained a mount: proc /proc');
    expect(frame).toContain('0 of 0 checks pass, and 1 spec could not run');
    unmount();
  });

  test('all passing: says how to move on, or that the reference does not count', () => {
    const labs = render(<CheckScreen state={run([passing, { type: 'finished', output: '' }])} />);
    expect(labs.lastFrame()).toContain('1 of 1 check passes\n✓ a1 passes: `lab next` moves on');
    labs.unmount();
    const solutions = render(
      <CheckScreen state={run([passing, { type: 'finished', output: '' }], initialCheckState(a1, 'solutions'))} />,
    );
    expect(solutions.lastFrame()).toContain('✓ solutions/ passes a1 (your progress counts labs/ only)');
    solutions.unmount();
  });
});

describe('the running check', () => {
  test('is named on the live line from its check-started event until its result arrives', () => {
    let state = reduceCheck(initialCheckState(a1, 'labs'), {
      type: 'check-started',
      lab: 'a1',
      spec: a1.spec,
      name: 'mounts /proc',
    });
    expect(state.running).toBe('mounts /proc');
    const { lastFrame, unmount } = render(<CheckScreen state={state} />);
    expect(lastFrame()).toContain('mounts /proc');
    unmount();
    state = reduceCheck(state, passing);
    expect(state.running).toBeUndefined();
    expect(state.finished).toHaveLength(1);
  });
});
