// Runs the checker (vitest, in a child process) on some specs against a runtime source, and streams
// the results back as they come. The child is vitest itself; every check it runs contains the
// processes it starts in a cgroup of its own (checker/harness/containment.ts). A run can be stopped
// (an AbortSignal, or its time limit): what it leaves is removed before the promise settles.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { CheckEvent } from '../../checker/results.ts';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import { compileCacheDir } from '../../scripts/build/paths.mjs';
import { awaitGroupEnd, removeBuildTemporaries, removeRunLeftovers } from './leftovers.ts';

export interface RunChecksOptions {
  /** Spec files, relative to the project root. */
  specs: readonly string[];
  /** 'labs', 'solutions', or a path to another tree with the same layout (the dev check's). */
  source: string;
  onEvent?: (event: CheckEvent) => void;
  /** The whole run's limit. */
  timeoutMs?: number;
  /** More environment for the checker (the dev check's LAB_MISTAKES). */
  env?: Record<string, string>;
  /**
   * Stops the run when aborted (`lab watch`: a save while it runs): vitest gets SIGINT, and the
   * promise settles once it has exited and what its checks left is removed. With a signal, vitest runs
   * in a process group of its own, which the SIGINT reaches whole, as Ctrl-C in a terminal would.
   */
  signal?: AbortSignal;
  /** Called once vitest is spawned, with its pid (its cgroups and state roots are named after it). */
  onStart?: (pid: number) => void;
}

export interface RunChecksResult {
  events: CheckEvent[];
  /** vitest's own output, for when something went wrong before any check ran. */
  output: string;
  /** Why the run ended before its end: the signal was aborted, or the time limit was reached. */
  stopped?: 'aborted' | 'timeout';
  /** The checker's pid (its cgroups and state roots are named after it); absent when it never started. */
  pid?: number;
}

/** How long vitest has to end after SIGINT before it and its group are killed. */
const STOP_GRACE_MS = 5_000;

/**
 * The checkers running in a process group of their own: execa's clean-up skips detached children, so
 * they would outlive this process if it ended abruptly (an uncaught error); SIGINT reaches them then.
 * One listener for all of them (a grader may run many at once).
 */
const runningGroups = new Set<number>();
process.on('exit', () => {
  for (const group of runningGroups) {
    try {
      process.kill(-group, 'SIGINT');
    } catch {
      // ended already
    }
  }
});

/**
 * Follows the reporter's results file (one JSON event a line) while the checker writes it, every
 * 100 ms, passing each new event on; `stop()` reads the rest. Used on the host and for the VM alike.
 */
export class ResultsFollower {
  readonly events: CheckEvent[] = [];
  private seen = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly file: string;
  private readonly onEvent: ((event: CheckEvent) => void) | undefined;

  constructor(file: string, onEvent?: (event: CheckEvent) => void) {
    this.file = file;
    this.onEvent = onEvent;
    this.timer = setInterval(() => this.poll(), 100);
  }

  private poll(): void {
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return;
    }
    const lines = text.split('\n').filter(Boolean);
    for (const line of lines.slice(this.seen)) {
      const event = JSON.parse(line) as CheckEvent;
      this.events.push(event);
      this.onEvent?.(event);
    }
    this.seen = lines.length;
  }

  stop(): CheckEvent[] {
    clearInterval(this.timer);
    this.poll();
    return this.events;
  }
}

/**
 * Where V8 keeps the code it compiled for vitest's modules (vite, rolldown, execa, chai, ...), from one
 * run to the next, for vitest and the processes it starts: ~0.1 s of CPU less per check
 * (docs/benchmarks.md). The same directory as mydocker's (bin/mydocker.cjs), pruned by the build.
 */
export const COMPILE_CACHE = compileCacheDir;

/**
 * Starts the checker at once (the child is spawned before this returns its promise), so that a caller
 * can draw its screen while vitest starts.
 */
export async function runChecks({
  specs,
  source,
  onEvent,
  timeoutMs = 300_000,
  env = {},
  signal,
  onStart,
}: RunChecksOptions): Promise<RunChecksResult> {
  if (signal?.aborted) return { events: [], output: '', stopped: 'aborted' };
  const dir = mkdtempSync(join(tmpdir(), 'lab-check-'));
  const resultsFile = join(dir, 'results.ndjson');
  const follower = new ResultsFollower(resultsFile, onEvent);
  // Without a signal, vitest stays in the caller's process group: `lab check`'s Ctrl-C reaches it.
  const ownGroup = signal !== undefined;
  let stopped: RunChecksResult['stopped'];
  let graceTimer: NodeJS.Timeout | undefined;
  let timeLimit: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let pid: number | undefined;
  try {
    const vitest = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const child = execa(
      process.execPath,
      [vitest, 'run', '--project', 'checker', '--reporter', join(PROJECT_ROOT, 'checker', 'reporter.ts'), ...specs],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...env,
          MYDOCKER_SOURCE: source,
          LAB_RESULTS_FILE: resultsFile,
          FORCE_COLOR: '0',
          NODE_COMPILE_CACHE: COMPILE_CACHE,
        },
        reject: false,
        all: true,
        detached: ownGroup,
      },
    );
    pid = child.pid;
    if (pid !== undefined) onStart?.(pid);
    const kill = (name: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(ownGroup ? -pid : pid, name);
      } catch {
        // ended already
      }
    };
    const stop = (why: NonNullable<RunChecksResult['stopped']>): void => {
      if (stopped) return;
      stopped = why;
      kill('SIGINT');
      graceTimer = setTimeout(() => kill('SIGKILL'), STOP_GRACE_MS);
    };
    onAbort = () => stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    timeLimit = setTimeout(() => stop('timeout'), timeoutMs);
    if (ownGroup && pid !== undefined) runningGroups.add(pid);
    const result = await child;
    let output = String(result.all ?? '');
    if (pid !== undefined) {
      // A run that ended by itself removed its own; one that was stopped (or crashed) did not.
      if (ownGroup) await awaitGroupEnd(pid);
      await removeRunLeftovers(pid, env.TMPDIR ?? tmpdir());
      // Only now: the build scripts' modules are not worth loading before vitest starts.
      const { bundlePath } = await import('../../scripts/build/runtime.mjs');
      removeBuildTemporaries(pid, dirname(bundlePath(source)));
    }
    if (stopped === 'timeout')
      output += `\nthe checker was stopped after ${Math.round(timeoutMs / 1000)} s, its time limit\n`;
    return { events: follower.stop(), output, ...(stopped && { stopped }), ...(pid !== undefined && { pid }) };
  } finally {
    clearTimeout(graceTimer);
    clearTimeout(timeLimit);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) runningGroups.delete(pid);
    follower.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
