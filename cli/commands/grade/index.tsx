// `lab grade SUBMISSION... [--roster F] [--labs L] [-j N] [-o DIR] [--force] [--vm] [--timeout MIN]
// [--memory SIZE]`: grades a class into reports (cli/grade/grader.ts does the work; this draws it).
// On a terminal one live row per submission; otherwise one line per finished submission. The exit
// code is 0 once the reports are written, whatever the marks (they are in the reports); 130 or 143
// when stopped by Ctrl-C or SIGTERM (what was graded is kept in <out>/.graded/).
import { chapters } from '../../../chapters/manifest.ts';
import { LabError } from '../../errors.ts';
import { gradeClass } from '../../grade/grader.ts';
import {
  initialProgress,
  reduceProgress,
  summaryLine,
  type GradeProgress,
  type GradeProgressEvent,
} from '../../grade/progress.ts';
import { parseGradeOptions, type GradeInvocation } from './options.ts';

export async function grade(invocation: GradeInvocation): Promise<number> {
  const settings = parseGradeOptions(invocation, chapters);
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new LabError(
      'the checks need root on Linux (they create namespaces, mounts and cgroups): run lab as root, or in the course VM (README, "Using a VM")',
    );
  }
  if (settings.vm) {
    const { vmPrerequisites, VmError } = await import('../../../vm/run.mjs');
    try {
      vmPrerequisites();
    } catch (error) {
      throw error instanceof VmError ? new LabError(error.message) : error;
    }
  }

  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) return; // the first one stops the run; the clean-up must be left to finish
    signalled = signal;
    process.stderr.write(`lab grade: stopping (${signal}): the running checks end and clean up\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let state: GradeProgress = initialProgress;
  const live = process.stdout.isTTY === true;
  let screen: { rerender: (state: GradeProgress) => void; close: () => Promise<void> } | undefined;
  // While the screen is live, a warning would tear its rows: they are printed once it has closed.
  const held: string[] = [];
  const warn = (line: string): void => {
    if (screen) held.push(line);
    else process.stderr.write(`lab grade: ${line}\n`);
  };
  let closed = false;
  const closeScreen = async (): Promise<void> => {
    if (!screen || closed) return;
    closed = true;
    await screen.close();
    for (const line of held) process.stderr.write(`lab grade: ${line}\n`);
  };
  if (live) {
    const { render } = await import('ink');
    const { GradeScreen } = await import('./GradeView.tsx');
    const instance = render(<GradeScreen state={state} />, { patchConsole: false, exitOnCtrlC: false });
    screen = {
      rerender: (next) => instance.rerender(<GradeScreen state={next} />),
      close: async () => {
        await instance.waitUntilRenderFlush();
        instance.unmount();
        await instance.waitUntilExit();
      },
    };
  }
  const onProgress = (event: GradeProgressEvent): void => {
    state = reduceProgress(state, event);
    if (screen) screen.rerender(state);
    else if (event.type === 'finished') process.stdout.write(summaryLine(event.result, event.resumed) + '\n');
  };
  try {
    const run = await gradeClass(settings, {
      warn,
      onProgress,
      signal: controller.signal,
    });
    await closeScreen();
    if (run.interrupted) return signalled === 'SIGTERM' ? 143 : 130;
    process.stdout.write(`reports: ${run.reports.filter((file) => !file.includes('/feedback/')).join(', ')}\n`);
    return 0;
  } finally {
    await closeScreen();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
