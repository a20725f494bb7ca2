// `lab watch` as data: one pure reducer over a closed union of events (a save, the checker's events,
// a run's end, a key, a resize). It returns the next state and the effects the loop must carry out
// (start or stop a run, watch another lab's files, save the progress, quit): the reducer decides,
// the loop (watch-loop.ts) only does. The checks' part of the state is `lab check`'s own (check-data.ts).
import { isDeepStrictEqual } from 'node:util';
import type { Chapter, Lab } from '../../../chapters/manifest.ts';
import type { CheckEvent } from '../../../checker/results.ts';
import { labProgress, type Progress } from '../../progress/progress.ts';
import { currentLab } from '../../session.ts';
import { initialCheckState, progressAfter, reduceCheck, type CheckState } from '../check/check-data.ts';
import { nextHint, type Hints } from '../hint/hint-data.ts';
import { courseOf, type Course } from '../list/list-data.ts';

/** The keys the screen answers to (h, n, l, q; Ctrl-C is q). */
export type WatchKey = 'hint' | 'next' | 'list' | 'quit';

export type WatchEvent =
  /** One or more of the lab's files were saved (debounced: one event for a burst). */
  | { type: 'file-changed'; files: string[] }
  /** An event of run `run` from the checker. */
  | { type: 'check'; run: number; event: CheckEvent }
  /** Run `run` ended by itself at `when`; `output` is vitest's own. */
  | { type: 'run-finished'; run: number; output: string; when: Date }
  /** Run `run` was stopped on request, and what it left is removed. */
  | { type: 'run-cancelled'; run: number }
  /** Run `run` could not start or be read (runChecks threw). */
  | { type: 'run-failed'; run: number; message: string }
  | { type: 'key'; key: WatchKey }
  | { type: 'resize'; columns: number; rows: number }
  /** The progress file as it is now (another terminal's `lab hint` or `lab check` may have changed it). */
  | { type: 'progress-read'; progress: Progress }
  /** The file watcher, or saving the progress, failed: shown, and the loop goes on. */
  | { type: 'error'; message: string };

export type WatchEffect =
  | { type: 'start-run'; run: number; lab: Lab }
  | { type: 'cancel-run'; run: number }
  | { type: 'watch-files'; lab: Lab }
  | { type: 'save-progress'; progress: Progress }
  | { type: 'quit'; exitCode: number };

/** What the lower part of the screen shows besides the checks. */
export type Panel = { kind: 'none' } | { kind: 'hints'; hints: Hints } | { kind: 'list'; course: Course };

export interface WatchState {
  chapters: readonly Chapter[];
  lab: Lab;
  source: string;
  progress: Progress;
  columns: number;
  rows: number;
  /** The run going on now; absent between runs. */
  run?: { id: number; phase: 'running' | 'stopping' };
  /** The id of the last run started. */
  runs: number;
  /** The current or last run's checks, as `lab check` folds them. */
  check: CheckState;
  /** A save (or `n`) came while a run was going: start again once it has stopped. */
  rerun: boolean;
  /** The files whose save started the current run; absent for the first run of a lab. */
  changed?: string[];
  panel: Panel;
  /** The lab that `n` moves to, once this one passes; absent before, and when the course is done. */
  next?: Lab;
  /** A line about the last key or problem (n before the lab passes, an error). */
  notice?: string;
  quitting: boolean;
}

export interface WatchStep {
  state: WatchState;
  effects: WatchEffect[];
}

export interface WatchStart {
  chapters: readonly Chapter[];
  lab: Lab;
  source: string;
  progress: Progress;
  columns: number;
  rows: number;
}

function checkStateFor(lab: Lab, source: string, progress: Progress, chapters: readonly Chapter[]): CheckState {
  return initialCheckState(lab, source, {
    hintsRevealed: labProgress(progress, lab.id).hintsRevealed,
    isCurrent: currentLab(progress, chapters)?.id === lab.id,
  });
}

/** The first step: watch the lab's files and run its checks once. */
export function startWatch(start: WatchStart): WatchStep {
  const state: WatchState = {
    ...start,
    runs: 1,
    run: { id: 1, phase: 'running' },
    check: checkStateFor(start.lab, start.source, start.progress, start.chapters),
    rerun: false,
    panel: { kind: 'none' },
    quitting: false,
  };
  return {
    state,
    effects: [
      { type: 'watch-files', lab: start.lab },
      { type: 'start-run', run: 1, lab: start.lab },
    ],
  };
}

/** A fresh run of the state's lab (the caller knows no run is going). */
function startRun(state: WatchState, changed?: string[]): WatchStep {
  const id = state.runs + 1;
  return {
    state: {
      ...state,
      runs: id,
      run: { id, phase: 'running' },
      check: checkStateFor(state.lab, state.source, state.progress, state.chapters),
      rerun: false,
      changed,
      next: undefined,
      // A hint or the list stays up while the checks run again; a notice was about the last run.
      notice: undefined,
    },
    effects: [{ type: 'start-run', run: id, lab: state.lab }],
  };
}

/** Stops the run going on, if any (a later step starts the next, or quits). */
function stopRun(state: WatchState): WatchStep {
  if (!state.run || state.run.phase === 'stopping') return { state, effects: [] };
  return {
    state: { ...state, run: { ...state.run, phase: 'stopping' } },
    effects: [{ type: 'cancel-run', run: state.run.id }],
  };
}

/** A run is over (finished, stopped or failed): quit, start again, or wait for the next save. */
function afterRun(state: WatchState, effects: WatchEffect[] = []): WatchStep {
  const idle = { ...state, run: undefined };
  if (state.quitting) return { state: idle, effects: [...effects, { type: 'quit', exitCode: 0 }] };
  if (state.rerun) {
    const step = startRun(idle, state.changed);
    return { state: step.state, effects: [...effects, ...step.effects] };
  }
  return { state: idle, effects };
}

/** The lab after `lab` in course order that has not passed (in labs/; any next lab for another tree). */
export function labAfter(chapters: readonly Chapter[], lab: Lab, progress: Progress, source: string): Lab | undefined {
  const labs = chapters.filter((chapter) => chapter.status === 'ready').flatMap((chapter) => chapter.labs);
  const after = labs.slice(labs.findIndex((candidate) => candidate.id === lab.id) + 1);
  if (source !== 'labs') return after[0];
  const pending = (candidate: Lab) => labProgress(progress, candidate.id).passedAt === undefined;
  return after.find(pending) ?? labs.find((candidate) => candidate.id !== lab.id && pending(candidate));
}

function isRunOf(state: WatchState, run: number): boolean {
  return state.run?.id === run;
}

export function reduceWatch(state: WatchState, event: WatchEvent): WatchStep {
  switch (event.type) {
    case 'file-changed': {
      if (state.quitting) return { state, effects: [] };
      if (!state.run) return startRun(state, event.files);
      // A save during a run: stop it, and start again once it has ended (run-cancelled).
      return stopRun({ ...state, rerun: true, changed: event.files });
    }
    case 'check': {
      // Events of a run that is being stopped, or of an older one, are not this run's results.
      if (!isRunOf(state, event.run) || state.run?.phase !== 'running') return { state, effects: [] };
      return { state: { ...state, check: reduceCheck(state.check, event.event) }, effects: [] };
    }
    case 'run-finished': {
      if (!isRunOf(state, event.run)) return { state, effects: [] };
      // Asked to stop just as it ended: its results are of files saved over since.
      if (state.run?.phase === 'stopping') return afterRun(state);
      const check = reduceCheck(state.check, { type: 'finished', output: event.output });
      const report = check.report!;
      const after = progressAfter(state.progress, report, event.when);
      // A lab that fails again changes nothing worth a write (progressAfter returns a copy all the same).
      const progress = isDeepStrictEqual(after, state.progress) ? state.progress : after;
      const effects: WatchEffect[] = progress !== state.progress ? [{ type: 'save-progress', progress }] : [];
      const next = report.passed ? labAfter(state.chapters, state.lab, progress, state.source) : undefined;
      return afterRun({ ...state, check, progress, next }, effects);
    }
    case 'run-cancelled':
      return isRunOf(state, event.run) ? afterRun(state) : { state, effects: [] };
    case 'run-failed': {
      if (!isRunOf(state, event.run)) return { state, effects: [] };
      if (state.run?.phase === 'stopping') return afterRun(state);
      // Shown as `lab check` shows a checker that reported nothing: the reason, as a spec that could not run.
      const check = reduceCheck(state.check, { type: 'finished', output: event.message });
      return afterRun({ ...state, check });
    }
    case 'key':
      return reduceKey(state, event.key);
    case 'resize':
      return { state: { ...state, columns: event.columns, rows: event.rows }, effects: [] };
    case 'progress-read': {
      if (isDeepStrictEqual(event.progress, state.progress)) return { state, effects: [] };
      const hintsRevealed = labProgress(event.progress, state.lab.id).hintsRevealed;
      return { state: { ...state, progress: event.progress, check: { ...state.check, hintsRevealed } }, effects: [] };
    }
    case 'error':
      return { state: { ...state, notice: event.message }, effects: [] };
  }
}

function reduceKey(state: WatchState, key: WatchKey): WatchStep {
  if (state.quitting) return { state, effects: [] };
  switch (key) {
    case 'quit': {
      if (!state.run) return { state: { ...state, quitting: true }, effects: [{ type: 'quit', exitCode: 0 }] };
      return stopRun({ ...state, quitting: true, rerun: false });
    }
    case 'hint': {
      if (state.panel.kind === 'hints' && state.panel.hints.remaining === 0) {
        return { state: { ...state, panel: { kind: 'none' } }, effects: [] }; // every hint is up: h hides them
      }
      const isCurrent = currentLab(state.progress, state.chapters)?.id === state.lab.id;
      const { hints, progress } = nextHint(state.progress, state.lab, isCurrent);
      const check = { ...state.check, hintsRevealed: hints.revealed.length };
      return {
        state: { ...state, progress, check, panel: { kind: 'hints', hints }, notice: undefined },
        effects: progress !== state.progress ? [{ type: 'save-progress', progress }] : [],
      };
    }
    case 'list':
      return {
        state: {
          ...state,
          panel:
            state.panel.kind === 'list'
              ? { kind: 'none' }
              : { kind: 'list', course: courseOf(state.chapters, state.progress) },
          notice: undefined,
        },
        effects: [],
      };
    case 'next': {
      if (!state.next) {
        const notice = state.run
          ? `${state.lab.id} is being checked: n moves on once it passes`
          : state.check.report?.passed
            ? 'every lab passes: the course is done'
            : `${state.lab.id} does not pass yet: n moves on once it does`;
        return { state: { ...state, notice }, effects: [] };
      }
      const lab = state.next;
      // As `lab next` does: the lab moved to becomes the current one (labs/ only: the learner's progress).
      const progress = state.source === 'labs' ? { ...state.progress, current: lab.id } : state.progress;
      const moved: WatchState = {
        ...state,
        lab,
        progress,
        next: undefined,
        panel: { kind: 'none' },
        changed: undefined,
      };
      const effects: WatchEffect[] = [{ type: 'watch-files', lab }];
      if (progress !== state.progress) effects.push({ type: 'save-progress', progress });
      const step = startRun(moved);
      return { state: step.state, effects: [...effects, ...step.effects] };
    }
  }
}
