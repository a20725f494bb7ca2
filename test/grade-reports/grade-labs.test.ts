// gradeLabs: the checker's events (checker/results.ts) of one submission as marks, one GradedLab a lab.
import { describe, expect, test } from 'vitest';
import type { Lab } from '../../chapters/manifest.ts';
import { allLabs, chapterOf } from '../../chapters/manifest.ts';
import type { CheckEvent } from '../../checker/results.ts';
import { MESSAGE_LINES, failureMessage, gradeLabs } from '../../cli/grade/reports/grade-labs.ts';

function lab(id: string, points = 1): Lab {
  const name = id.split('-')[1]!;
  return {
    id,
    title: `the ${name} lab`,
    task: '',
    files: [`src/${name}.ts`],
    functions: [],
    spec: `checker/specs/ch01/${name}.spec.ts`,
    points,
    hints: [],
    mistakes: [],
  };
}

const proc = lab('ch1-proc', 2);
const uts = lab('ch1-uts');
const chapterOne = () => ({ number: 1 });

function started(of: Lab, name: string): CheckEvent {
  return { type: 'check-started', lab: of.id, spec: of.spec, name };
}

function finished(of: Lab, name: string, state: 'passed' | 'failed' | 'skipped', extra = {}): CheckEvent {
  return { type: 'check', lab: of.id, spec: of.spec, name, state, durationMs: 12, errors: [], ...extra };
}

describe('gradeLabs', () => {
  test('a lab whose every check passed earns its points; one that failed earns 0, with the message and hint', () => {
    const events: CheckEvent[] = [
      started(proc, 'mounts proc'),
      finished(proc, 'mounts proc', 'passed', { hint: 1 }),
      started(uts, 'sets the hostname'),
      finished(uts, 'sets the hostname', 'failed', {
        hint: 2,
        errors: [{ message: '\u001b[31mexpected\u001b[39m "box"\nto be "host"', expected: '"host"', actual: '"box"' }],
      }),
    ];
    expect(gradeLabs([proc, uts], events, chapterOne)).toEqual([
      {
        id: 'ch1-proc',
        title: 'the proc lab',
        chapter: 1,
        points: 2,
        earned: 2,
        passed: true,
        checks: [{ name: 'mounts proc', state: 'passed', hint: 1 }],
      },
      {
        id: 'ch1-uts',
        title: 'the uts lab',
        chapter: 1,
        points: 1,
        earned: 0,
        passed: false,
        checks: [{ name: 'sets the hostname', state: 'failed', hint: 2, message: 'expected "box"\nto be "host"' }],
      },
    ]);
  });

  test('labs in the order given, not the order their events came; events of other labs ignored', () => {
    const other = lab('ch1-other');
    const events = [finished(uts, 'a', 'passed'), finished(other, 'b', 'failed'), finished(proc, 'c', 'passed')];
    const graded = gradeLabs([proc, uts], events, chapterOne);
    expect(graded.map((g) => [g.id, g.checks.map((c) => c.name)])).toEqual([
      ['ch1-proc', ['c']],
      ['ch1-uts', ['a']],
    ]);
  });

  test('a check that started and never finished is not run, and the lab is not passed', () => {
    const events = [finished(proc, 'one', 'passed'), started(proc, 'two')];
    const [graded] = gradeLabs([proc], events, chapterOne);
    expect(graded).toMatchObject({
      passed: false,
      earned: 0,
      checks: [
        { name: 'one', state: 'passed' },
        { name: 'two', state: 'not run' },
      ],
    });
  });

  test('checks keep the order they started in; two of one name each get their own result', () => {
    const events = [
      started(proc, 'same'),
      finished(proc, 'same', 'passed'),
      started(proc, 'other'),
      started(proc, 'same'),
      finished(proc, 'other', 'passed'),
      finished(proc, 'same', 'failed', { errors: [{ message: 'second' }] }),
    ];
    expect(gradeLabs([proc], events, chapterOne)[0]!.checks).toEqual([
      { name: 'same', state: 'passed' },
      { name: 'other', state: 'passed' },
      { name: 'same', state: 'failed', message: 'second' },
    ]);
  });

  test('a skipped check does not pass its lab (as `lab check` counts it)', () => {
    const [graded] = gradeLabs([proc], [finished(proc, 'a', 'passed'), finished(proc, 'b', 'skipped')], chapterOne);
    expect(graded).toMatchObject({ passed: false, earned: 0 });
  });

  test("a spec-error is the lab's problem (its first line), even when every check that ran passed", () => {
    const events: CheckEvent[] = [
      finished(proc, 'a', 'passed'),
      { type: 'spec-error', spec: proc.spec, message: 'Error: afterAll hook timed out\n    at spec.ts:3' },
    ];
    expect(gradeLabs([proc], events, chapterOne)[0]).toMatchObject({
      passed: false,
      earned: 0,
      problem: 'its checks could not all run: Error: afterAll hook timed out',
    });
  });

  test('a lab of which no event came is not passed, and says that none of its checks ran', () => {
    expect(gradeLabs([proc], [], chapterOne)[0]).toEqual({
      id: 'ch1-proc',
      title: 'the proc lab',
      chapter: 1,
      points: 2,
      earned: 0,
      passed: false,
      checks: [],
      problem: 'none of its checks ran',
    });
  });

  test("a check without a lab in its meta is its spec's lab", () => {
    const event: CheckEvent = { ...(finished(proc, 'a', 'passed') as object), lab: '' } as CheckEvent;
    expect(gradeLabs([proc, uts], [event], chapterOne).map((g) => g.checks.length)).toEqual([1, 0]);
  });

  test('pure: the same events give equal marks, and the events are left as they were', () => {
    const events = [started(proc, 'a'), finished(proc, 'a', 'failed', { errors: [{ message: 'x' }] })];
    const copy = structuredClone(events);
    expect(gradeLabs([proc], events, chapterOne)).toEqual(gradeLabs([proc], events, chapterOne));
    expect(events).toEqual(copy);
  });

  test("the manifest's own labs, with chapters/manifest.ts's chapterOf", () => {
    const labs = allLabs().slice(0, 2);
    const graded = gradeLabs(labs, [], chapterOf);
    expect(graded.map((g) => [g.id, g.chapter, g.points])).toEqual(
      labs.map((l) => [l.id, chapterOf(l).number, l.points]),
    );
  });
});

describe('failureMessage', () => {
  test('without colours, trimmed; none at all is said so', () => {
    expect(failureMessage('  \u001b[1mboom\u001b[22m\r\n')).toBe('boom');
    expect(failureMessage(undefined)).toBe('the check failed without a message');
    expect(failureMessage(' \n ')).toBe('the check failed without a message');
    // What vitest serialised, whatever the type says (an expected 0 arrives as the number 0).
    expect(failureMessage(0)).toBe('0');
  });

  test('at most a few lines and characters, and then says it was cut', () => {
    const long = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const cut = failureMessage(long);
    expect(cut.split('\n')).toEqual([...Array.from({ length: MESSAGE_LINES }, (_, i) => `line ${i}`), '…']);
    expect(failureMessage('x'.repeat(5000)).length).toBeLessThan(900);
    expect(failureMessage('exactly\nsix\nlines\nof\ntext\nhere')).toBe('exactly\nsix\nlines\nof\ntext\nhere');
  });
});
