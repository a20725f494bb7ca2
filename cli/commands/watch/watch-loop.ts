// `lab watch`'s loop: holds the state, feeds every event through the reducer (watch-state.ts) and
// carries out the effects it returns. The runner, the file watcher and the progress file come in as
// dependencies, so the loop runs in a unit test with the real watcher and a fake checker.
import { join } from 'node:path';
import type { Lab } from '../../../chapters/manifest.ts';
import type { RunChecksOptions, RunChecksResult } from '../../check/run-checks.ts';
import type { Progress } from '../../progress/progress.ts';
import type { FileWatch, WatchFiles } from './file-watch.ts';
import {
  reduceWatch,
  startWatch,
  type WatchEffect,
  type WatchEvent,
  type WatchStart,
  type WatchState,
} from './watch-state.ts';

export interface WatchLoopDeps {
  runChecks: (options: RunChecksOptions) => Promise<RunChecksResult>;
  watchFiles: WatchFiles;
  saveProgress: (progress: Progress) => void;
  /**
   * Reads the progress file again, before each key and each run's end (the events that change the
   * progress), so that what another terminal's `lab hint` or `lab check` saved meanwhile is not
   * overwritten; undefined when it cannot be read (the state's copy is kept).
   */
  loadProgress?: () => Progress | undefined;
  /** The tree the lab files are in (sourceDir of the source). */
  treeDir: string;
  /** Called after every event with the new state (the screen redraws from it). */
  onState?: (state: WatchState) => void;
  now?: () => Date;
}

export interface WatchLoop {
  dispatch(event: WatchEvent): void;
  readonly state: WatchState;
  /** Resolves with the exit code once the learner quit and the last run has stopped. */
  done: Promise<number>;
  /** Resolves once the current lab's files are watched. */
  watching(): Promise<void>;
}

export function labFilePaths(lab: Lab, treeDir: string): string[] {
  return lab.files.map((file) => join(treeDir, file));
}

export function startWatchLoop(start: WatchStart, deps: WatchLoopDeps): WatchLoop {
  const now = deps.now ?? (() => new Date());
  const runs = new Map<number, AbortController>();
  let fileWatch: FileWatch | undefined;
  let closing: Promise<void> = Promise.resolve();
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const first = startWatch(start);
  let state = first.state;

  // Events that effects cause (a runner that reports at once) wait until the current one is done,
  // so that effects are carried out in the order the reducer returned them.
  const queue: WatchEvent[] = [];
  let dispatching = false;
  const dispatch = (event: WatchEvent): void => {
    if (event.type === 'key' || event.type === 'run-finished') {
      const progress = deps.loadProgress?.();
      if (progress) queue.push({ type: 'progress-read', progress });
    }
    queue.push(event);
    drain();
  };
  const drain = (): void => {
    if (dispatching) return;
    dispatching = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const step = reduceWatch(state, next);
        state = step.state;
        deps.onState?.(state);
        for (const effect of step.effects) perform(effect);
      }
    } finally {
      dispatching = false;
    }
  };

  const perform = (effect: WatchEffect): void => {
    switch (effect.type) {
      case 'start-run': {
        const controller = new AbortController();
        runs.set(effect.run, controller);
        const run = effect.run;
        deps
          .runChecks({
            specs: [effect.lab.spec],
            source: state.source,
            signal: controller.signal,
            onEvent: (event) => dispatch({ type: 'check', run, event }),
          })
          .then(
            (result) =>
              dispatch(
                result.stopped === 'aborted'
                  ? { type: 'run-cancelled', run }
                  : { type: 'run-finished', run, output: result.output, when: now() },
              ),
            (error: unknown) =>
              dispatch({ type: 'run-failed', run, message: error instanceof Error ? error.message : String(error) }),
          )
          .finally(() => runs.delete(run));
        return;
      }
      case 'cancel-run':
        runs.get(effect.run)?.abort();
        return;
      case 'watch-files': {
        const previous = fileWatch;
        // The old watcher closes while the new one starts: a save of the new lab's file is not lost.
        closing = Promise.all([closing, previous?.close()]).then(() => undefined);
        fileWatch = deps.watchFiles(
          labFilePaths(effect.lab, deps.treeDir),
          (files) => dispatch({ type: 'file-changed', files }),
          (error) => dispatch({ type: 'error', message: `watching ${effect.lab.id}'s files: ${error.message}` }),
        );
        return;
      }
      case 'save-progress':
        try {
          deps.saveProgress(effect.progress);
        } catch (error) {
          dispatch({ type: 'error', message: `could not save the progress: ${(error as Error).message}` });
        }
        return;
      case 'quit': {
        const watch = fileWatch;
        fileWatch = undefined;
        void Promise.all([closing, watch?.close()]).then(() => finish(effect.exitCode));
        return;
      }
    }
  };

  deps.onState?.(state);
  dispatching = true;
  try {
    for (const effect of first.effects) perform(effect);
  } finally {
    dispatching = false;
  }
  drain();

  return {
    dispatch,
    get state() {
      return state;
    },
    done,
    watching: async () => {
      await fileWatch?.ready;
    },
  };
}
