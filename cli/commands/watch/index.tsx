// `lab watch [LAB] [--solutions]`: rustlings' loop. Watches the lab's files; on each save runs its
// checks again (a save during a run stops that run cleanly and starts anew), shows them live, says
// when the lab passes and offers the next; keys h (hint), n (next lab), l (list), q or Ctrl-C (quit).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chapters, type Lab } from '../../../chapters/manifest.ts';
import { sourceDir } from '../../../scripts/build/runtime.mjs';
import { requireRoot } from '../../check/root.ts';
import { runChecks } from '../../check/run-checks.ts';
import { LabError } from '../../errors.ts';
import { loadProgress, saveProgress } from '../../progress/progress.ts';
import { labOrCurrent, openSession } from '../../session.ts';
import { watchFiles } from './file-watch.ts';
import type { WatchScreenHandle } from './live-screen.tsx';
import { startWatchLoop } from './watch-loop.ts';

export interface WatchOptions {
  /** The lab named on the command line; the current lab when absent. */
  lab?: Lab;
  /** 'labs' (the learner's), 'solutions', or the absolute path of a tree with the same layout. */
  source: string;
}

/** Each of the lab's files must be there to be watched: one line naming the first that is not. */
function requireLabFiles(lab: Lab, source: string, treeDir: string): void {
  for (const file of lab.files) {
    if (existsSync(join(treeDir, file))) continue;
    const shown = source === 'labs' || source === 'solutions' ? `${source}/${file}` : join(treeDir, file);
    const fix = source === 'labs' ? `: \`lab reset ${lab.id}\` restores its stub` : '';
    throw new LabError(`lab ${lab.id}'s file ${shown} does not exist${fix}`);
  }
}

export async function watch({ lab: named, source }: WatchOptions): Promise<number> {
  requireRoot();
  const session = openSession();
  const lab = labOrCurrent(named, session.progress);
  const treeDir = sourceDir(source);
  requireLabFiles(lab, source, treeDir);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new LabError(
      'lab watch needs a terminal (it redraws the screen and reads keys): in a script, use `lab check`',
    );
  }

  let screen: WatchScreenHandle | undefined;
  // The checker first, as `lab check` does: vitest needs about a second to start, the screen is made meanwhile.
  const loop = startWatchLoop(
    { chapters, lab, source, progress: session.progress, columns: process.stdout.columns, rows: process.stdout.rows },
    {
      runChecks,
      watchFiles,
      treeDir,
      saveProgress: (progress) => saveProgress(session.file, progress),
      loadProgress: () => {
        try {
          return loadProgress(session.file);
        } catch {
          return undefined; // damaged meanwhile: keep what this screen knows, and save it over
        }
      },
      onState: (state) => screen?.show(state),
    },
  );
  const quit = (): void => loop.dispatch({ type: 'key', key: 'quit' });
  const resize = (): void =>
    loop.dispatch({ type: 'resize', columns: process.stdout.columns, rows: process.stdout.rows });
  // Ctrl-C is a key in raw mode; these come from elsewhere (kill, a closed terminal): quit cleanly too.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const name of signals) process.on(name, quit);
  process.stdout.on('resize', resize);
  try {
    const { openWatchScreen } = await import('./live-screen.tsx');
    screen = openWatchScreen(loop.state, (key) => loop.dispatch({ type: 'key', key }));
    const code = await loop.done;
    await screen.close();
    return code;
  } catch (error) {
    // The screen could not open: stop the run (it leaves nothing behind), then lab prints the one line.
    quit();
    await loop.done;
    throw error;
  } finally {
    for (const name of signals) process.off(name, quit);
    process.stdout.off('resize', resize);
  }
}
