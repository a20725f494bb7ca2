// `lab watch`'s reducer: every event of the closed union, and the effects each one asks for.
import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../../checker/results.ts';
import {
  labAfter,
  reduceWatch,
  startWatch,
  type WatchEffect,
  type WatchEvent,
  type WatchState,
  type WatchStep,
} from '../../cli/commands/watch/watch-state.ts';
import { a1, a2, b1, course, PASSED } from './fixtures.ts';

const WHEN = new Date('2026-12-02T08:00:00.000Z');

function check(name: string, state: CheckResult['state'], lab = 'a1'): CheckResult {
  return { type: 'check', lab, spec: `checker/specs/${lab}.spec.ts`, name, state, durationMs: 5, hint: 1, errors: [] };
}

function begin(source = 'labs', progress = { version: 1 as const, labs: {} }, lab = a1): WatchStep {
  return startWatch({ chapters: course, lab, source, progress, columns: 80, rows: 24 });
}

/** Folds events from a state, collecting every effect asked for on the way. */
function play(from: WatchState, events: WatchEvent[]): { state: WatchState; effects: WatchEffect[] } {
  let state = from;
  const effects: WatchEffect[] = [];
  for (const event of events) {
    const step = reduceWatch(state, event);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const finished = (run: number): WatchEvent => ({ type: 'run-finished', run, output: '', when: WHEN });
const changed = (...files: string[]): WatchEvent => ({ type: 'file-changed', files });
const result = (run: number, name: string, state: CheckResult['state'], lab = 'a1'): WatchEvent => ({
  type: 'check',
  run,
  event: check(name, state, lab),
});

describe('the first step', () => {
  test("watches the lab's files and runs its checks once", () => {
    const { state, effects } = begin();
    expect(effects).toEqual([
      { type: 'watch-files', lab: a1 },
      { type: 'start-run', run: 1, lab: a1 },
    ]);
    expect(state.run).toEqual({ id: 1, phase: 'running' });
  });
});

describe('a run', () => {
  test("folds the checker's events as lab check does, and ends idle", () => {
    const progress = { version: 1 as const, labs: { a1: { hintsRevealed: 0 } } };
    const { state, effects } = play(begin('labs', progress).state, [
      { type: 'check', run: 1, event: { type: 'check-started', lab: 'a1', spec: a1.spec, name: 'first' } },
      result(1, 'first', 'passed'),
      result(1, 'second', 'failed'),
      finished(1),
    ]);
    expect(state.run).toBeUndefined();
    expect(state.check.report).toMatchObject({ lab: 'a1', passed: false });
    expect(state.check.finished).toHaveLength(2);
    expect(state.next).toBeUndefined();
    expect(effects).toEqual([]); // a lab that had not passed and fails again: nothing to save
  });

  test('that passes records it in labs/ and offers the next lab', () => {
    const { state, effects } = play(begin().state, [result(1, 'first', 'passed'), finished(1)]);
    expect(state.next).toBe(a2);
    expect(effects).toEqual([
      {
        type: 'save-progress',
        progress: { version: 1, labs: { a1: { passedAt: WHEN.toISOString(), hintsRevealed: 0 } } },
      },
    ]);
  });

  test('that passes in another tree records nothing', () => {
    const { state, effects } = play(begin('solutions').state, [result(1, 'first', 'passed'), finished(1)]);
    expect(state.check.report?.passed).toBe(true);
    expect(state.next).toBe(a2);
    expect(effects).toEqual([]);
  });

  test('that failed to start is shown as a spec that could not run', () => {
    const { state } = play(begin().state, [{ type: 'run-failed', run: 1, message: 'mkdtemp: ENOENT' }]);
    expect(state.run).toBeUndefined();
    expect(state.check.report?.specErrors).toEqual([{ spec: a1.spec, message: 'mkdtemp: ENOENT' }]);
  });
});

describe('a save', () => {
  test('between runs starts one at once, with the files named', () => {
    const idle = play(begin().state, [finished(1)]).state;
    const { state, effects } = reduceWatch(idle, changed('/t/src/a1.ts'));
    expect(effects).toEqual([{ type: 'start-run', run: 2, lab: a1 }]);
    expect(state.changed).toEqual(['/t/src/a1.ts']);
    expect(state.check.finished).toEqual([]);
  });

  test('during a run stops it, drops its late events, and starts again once it has stopped', () => {
    const running = play(begin().state, [result(1, 'first', 'failed')]).state;
    const stopping = reduceWatch(running, changed('/t/src/a1.ts'));
    expect(stopping.effects).toEqual([{ type: 'cancel-run', run: 1 }]);
    expect(stopping.state.run).toEqual({ id: 1, phase: 'stopping' });
    const { state, effects } = play(stopping.state, [
      changed('/t/src/a1.ts'), // a second save while it stops asks for nothing more
      result(1, 'second', 'passed'), // what the stopped run still reported
      { type: 'run-cancelled', run: 1 },
    ]);
    expect(effects).toEqual([{ type: 'start-run', run: 2, lab: a1 }]);
    expect(state.run).toEqual({ id: 2, phase: 'running' });
    expect(state.check.finished).toEqual([]);
  });

  test('a run that ends by itself just as it is asked to stop counts as stopped', () => {
    const stopping = play(begin().state, [changed('/t/src/a1.ts')]).state;
    const { state, effects } = play(stopping, [result(1, 'first', 'passed'), finished(1)]);
    expect(effects).toEqual([{ type: 'start-run', run: 2, lab: a1 }]);
    expect(state.check.report).toBeUndefined();
  });

  test('events of an older run are ignored', () => {
    const second = play(begin().state, [finished(1), changed('/t/src/a1.ts')]).state;
    const { state, effects } = play(second, [
      result(1, 'late', 'failed'),
      finished(1),
      { type: 'run-cancelled', run: 1 },
    ]);
    expect(effects).toEqual([]);
    expect(state.run).toEqual({ id: 2, phase: 'running' });
    expect(state.check.finished).toEqual([]);
  });
});

describe('keys', () => {
  test('q between runs quits with 0', () => {
    const idle = play(begin().state, [finished(1)]).state;
    expect(reduceWatch(idle, { type: 'key', key: 'quit' }).effects).toEqual([{ type: 'quit', exitCode: 0 }]);
  });

  test('q during a run stops it first, and quits once it has stopped (not starting again)', () => {
    const { state, effects } = play(begin().state, [{ type: 'key', key: 'quit' }, changed('/t/src/a1.ts')]);
    expect(effects).toEqual([{ type: 'cancel-run', run: 1 }]);
    expect(state.quitting).toBe(true);
    expect(reduceWatch(state, { type: 'run-cancelled', run: 1 }).effects).toEqual([{ type: 'quit', exitCode: 0 }]);
  });

  test('h reveals the next hint, shows it and saves; once all are up, h hides them', () => {
    let step = reduceWatch(begin().state, { type: 'key', key: 'hint' });
    expect(step.state.panel).toMatchObject({ kind: 'hints', hints: { revealed: ['hint 1 of a1'], remaining: 2 } });
    expect(step.state.check.hintsRevealed).toBe(1);
    expect(step.effects).toEqual([
      { type: 'save-progress', progress: { version: 1, labs: { a1: { hintsRevealed: 1 } } } },
    ]);
    step = play(step.state, [
      { type: 'key', key: 'hint' },
      { type: 'key', key: 'hint' },
    ]);
    expect(step.state.panel).toMatchObject({ kind: 'hints', hints: { remaining: 0 } });
    expect(reduceWatch(step.state, { type: 'key', key: 'hint' }).state.panel).toEqual({ kind: 'none' });
  });

  test('l shows the course with the learner marks, and l again goes back', () => {
    const progress = { version: 1 as const, labs: { a1: PASSED } };
    const shown = reduceWatch(begin('labs', progress, a2).state, { type: 'key', key: 'list' }).state;
    expect(shown.panel.kind).toBe('list');
    if (shown.panel.kind !== 'list') return;
    expect(shown.panel.course.chapters[1]?.labs.map((lab) => lab.mark)).toEqual(['passed', 'current']);
    expect(reduceWatch(shown, { type: 'key', key: 'list' }).state.panel).toEqual({ kind: 'none' });
  });

  test('n before the lab passes says why it does nothing', () => {
    const running = reduceWatch(begin().state, { type: 'key', key: 'next' });
    expect(running.effects).toEqual([]);
    expect(running.state.notice).toBe('a1 is being checked: n moves on once it passes');
    const failed = play(begin().state, [result(1, 'first', 'failed'), finished(1), { type: 'key', key: 'next' }]);
    expect(failed.state.notice).toBe('a1 does not pass yet: n moves on once it does');
  });

  test('n after a pass moves to the next lab: its files watched, its checks run, it becomes current', () => {
    const passed = play(begin().state, [result(1, 'first', 'passed'), finished(1)]).state;
    const { state, effects } = reduceWatch(passed, { type: 'key', key: 'next' });
    expect(state.lab).toBe(a2);
    expect(state.check.lab).toBe(a2);
    expect(effects).toEqual([
      { type: 'watch-files', lab: a2 },
      {
        type: 'save-progress',
        progress: { version: 1, current: 'a2', labs: { a1: { passedAt: WHEN.toISOString(), hintsRevealed: 0 } } },
      },
      { type: 'start-run', run: 2, lab: a2 },
    ]);
  });

  test('after the last lab, n says the course is done', () => {
    const progress = { version: 1 as const, labs: { a1: PASSED, a2: PASSED } };
    const { state } = play(begin('labs', progress, b1).state, [
      result(1, 'first', 'passed', 'b1'),
      finished(1),
      { type: 'key', key: 'next' },
    ]);
    expect(state.next).toBeUndefined();
    expect(state.notice).toBe('every lab passes: the course is done');
  });
});

test("the progress read again: another terminal's hints count, and the state keeps its own copy when nothing changed", () => {
  const start = begin().state;
  expect(reduceWatch(start, { type: 'progress-read', progress: { version: 1, labs: {} } }).state).toBe(start);
  const read = { version: 1 as const, labs: { a1: { hintsRevealed: 2 } } };
  const { state } = play(start, [
    { type: 'progress-read', progress: read },
    { type: 'key', key: 'hint' },
  ]);
  expect(state.check.hintsRevealed).toBe(3);
  expect(state.progress.labs.a1?.hintsRevealed).toBe(3);
});

test('resize and errors change only what they are about', () => {
  const { state, effects } = play(begin().state, [
    { type: 'resize', columns: 120, rows: 40 },
    { type: 'error', message: 'watching a1: EMFILE' },
  ]);
  expect([state.columns, state.rows, state.notice]).toEqual([120, 40, 'watching a1: EMFILE']);
  expect(effects).toEqual([]);
});

describe('labAfter', () => {
  test.each([
    ['labs/: the next lab that has not passed', 'labs', { a2: PASSED }, a1, 'b1'],
    ['labs/: wraps to an earlier one left pending', 'labs', { a2: PASSED }, b1, 'a1'],
    ['labs/: none when every other lab passed', 'labs', { a1: PASSED, a2: PASSED }, b1, undefined],
    ['another tree: simply the next in course order', 'solutions', { a2: PASSED }, a1, 'a2'],
    ['another tree: none after the last', 'solutions', {}, b1, undefined],
  ])('%s', (_name, source, labs, lab, expected) => {
    expect(labAfter(course, lab, { version: 1, labs }, source)?.id).toBe(expected);
  });
});
