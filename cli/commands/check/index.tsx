// `lab check [LAB] [--json] [--solutions] [--vm]`: runs the lab's spec on the real kernel (with --vm,
// a micro-VM's, cgroup v2 only) and shows each check as it finishes; with labs/ as the source,
// records whether the lab passed.
import type { Lab } from '../../../chapters/manifest.ts';
import { requireRoot } from '../../check/root.ts';
import { runChecks } from '../../check/run-checks.ts';
import { LabError } from '../../errors.ts';
import { labProgress } from '../../progress/progress.ts';
import { currentLab, labOrCurrent, openSession, saveSession } from '../../session.ts';
import {
  initialCheckState,
  progressAfter,
  reduceCheck,
  type CheckAction,
  type CheckReport,
  type CheckState,
} from './check-data.ts';
import type { LiveScreen } from './live-screen.tsx';

export interface CheckOptions {
  /** The lab named on the command line; the current lab when absent. */
  lab?: Lab;
  /** 'labs' (the learner's), 'solutions', or the absolute path of a tree with the same layout. */
  source: string;
  json: boolean;
  /** Run the checker inside the cgroup v2 micro-VM (vm/run.mjs) instead of on this machine. */
  vm?: boolean;
}

export async function check({ lab: named, source, json, vm = false }: CheckOptions): Promise<number> {
  requireRoot();
  if (vm) {
    // What the VM lacks on this machine is one line before anything is drawn, not a failed check.
    const { vmPrerequisites, VmError } = await import('../../../vm/run.mjs');
    try {
      vmPrerequisites();
    } catch (error) {
      throw error instanceof VmError ? new LabError(error.message) : error;
    }
  }
  const session = openSession();
  const lab = labOrCurrent(named, session.progress);
  let state: CheckState = initialCheckState(lab, source, {
    hintsRevealed: labProgress(session.progress, lab.id).hintsRevealed,
    isCurrent: currentLab(session.progress)?.id === lab.id,
  });

  let screen: LiveScreen | undefined;
  const dispatch = (action: CheckAction): void => {
    state = reduceCheck(state, action);
    screen?.show(state);
  };
  // Ctrl-C reaches vitest and the lab host too (the same process group): vitest exits at once, without
  // its specs' teardown, and runChecks removes what they left (cli/check/leftovers.ts); wait for it, so
  // that what finished stays on screen. A second Ctrl-C stops at once.
  let interrupted = false;
  const onInterrupt = (): void => {
    if (interrupted) {
      process.off('SIGINT', onInterrupt);
      process.kill(process.pid, 'SIGINT');
    }
    interrupted = true;
  };
  process.on('SIGINT', onInterrupt);
  const run = vm ? (await import('./vm-checks.ts')).runChecksInVm : runChecks;
  // The checker first: vitest needs about a second to start, and the screen (ink, react and the first
  // frame, ~0.1-0.3 s) is made meanwhile. Events that come before it are in `state` when it opens.
  const running = run({ specs: [lab.spec], source, onEvent: dispatch }).finally(() =>
    process.off('SIGINT', onInterrupt),
  );
  running.catch(() => {}); // awaited below; not "unhandled" while the screen loads
  let report: CheckReport;
  try {
    if (!json) screen = (await import('./live-screen.tsx')).openLiveScreen(state);
    const { output } = await running;
    dispatch({ type: 'finished', output, interrupted });
    report = state.report!;
    const progress = progressAfter(session.progress, report, new Date(), interrupted);
    if (progress !== session.progress) saveSession(session, progress);
  } catch (error) {
    // The run could not start, or its result could not be recorded: the error is lab's one line
    // (cli/main.ts), and the screen must end first, or its spinner keeps the process alive for ever.
    process.off('SIGINT', onInterrupt);
    screen?.abort();
    throw error;
  }
  if (screen) {
    await screen.close();
  } else {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  }
  return interrupted ? 130 : report.passed ? 0 : 1;
}
