// Runs one submission's checks within its budgets: the worker (checker-worker.ts) in a cgroup of its
// own with the memory limit, and a clock that kills everything in that cgroup when time runs out.
// What finished before then counts.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { CheckEvent } from '../../checker/results.ts';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import { SubmissionCgroup } from './budget.ts';
import type { WorkerJob, WorkerLine } from './checker-worker.ts';

export interface SubmissionRun {
  events: CheckEvent[];
  /** vitest's output, for a run that ended before any check. */
  output: string;
  /** Why it stopped early, when it did. */
  stopped?: 'time' | 'memory' | 'interrupted' | 'crashed';
}

export interface RunSubmissionOptions {
  /** A small number unique in this grader: names the submission's cgroup. */
  index: number;
  specs: string[];
  tree: string;
  /** The submission's own temporary directory (the checker's state roots go there). */
  tmpDir: string;
  vm: boolean;
  timeoutMs: number;
  memoryBytes: number;
  onEvent?: (event: CheckEvent) => void;
  /**
   * Aborted on Ctrl-C or SIGTERM: vitest gets SIGINT (it exits at once, without its teardown), and
   * whatever it leaves in the budget cgroup is killed below; also if it does not stop in time.
   */
  signal?: AbortSignal;
}

/** How long the checker gets to end after a Ctrl-C before it is killed. */
const INTERRUPT_GRACE_MS = 30_000;

export async function runSubmission(options: RunSubmissionOptions): Promise<SubmissionRun> {
  const cgroup = new SubmissionCgroup(options.index, options.memoryBytes);
  mkdirSync(options.tmpDir, { recursive: true });
  const job: WorkerJob = {
    specs: options.specs,
    source: options.tree,
    vm: options.vm,
    // vitest's own limit is a backstop behind the budget's clock.
    timeoutMs: options.timeoutMs + 60_000,
    join: cgroup.joinFiles,
  };
  const events: CheckEvent[] = [];
  let output = '';
  let done = false;
  let stopped: SubmissionRun['stopped'];
  try {
    const worker = spawn(
      process.execPath,
      [join(PROJECT_ROOT, 'cli', 'grade', 'checker-worker.ts'), JSON.stringify(job)],
      {
        cwd: PROJECT_ROOT,
        // Its own process group: a Ctrl-C at the terminal reaches the grader alone, which then asks
        // each checker to stop once (a second SIGINT would make vitest quit without its clean-up).
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          MYDOCKER_CHECKER_CGROUP_PARENT: cgroup.path,
          TMPDIR: options.tmpDir,
          FORCE_COLOR: '0',
        },
      },
    );
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-8192);
    });
    const lines = createInterface({ input: worker.stdout });
    lines.on('line', (text) => {
      let line: WorkerLine;
      try {
        line = JSON.parse(text) as WorkerLine;
      } catch {
        return; // not the worker's: something the checker printed on its stdout
      }
      if ('event' in line) {
        events.push(line.event);
        options.onEvent?.(line.event);
      } else {
        done = true;
        output = line.done.output;
      }
    });
    const ended = new Promise<void>((resolve) => worker.on('close', () => resolve()));
    const stopWatching = cgroup.watchMemory();
    const clock = setTimeout(() => {
      stopped ??= 'time';
      void cgroup.kill();
    }, options.timeoutMs);
    let grace: NodeJS.Timeout | undefined;
    const interrupt = (): void => {
      stopped ??= 'interrupted';
      for (const pid of cgroup.checkerPids()) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // ended meanwhile
        }
      }
      grace = setTimeout(() => void cgroup.kill(), INTERRUPT_GRACE_MS);
    };
    if (options.signal?.aborted) interrupt();
    options.signal?.addEventListener('abort', interrupt, { once: true });
    await ended;
    stopWatching();
    clearTimeout(clock);
    clearTimeout(grace);
    options.signal?.removeEventListener('abort', interrupt);
    if (stopped === undefined && cgroup.memoryRanOut()) stopped = 'memory';
    if (stopped === undefined && !done) {
      stopped = 'crashed';
      output = stderr;
    }
    if (!done && output === '') output = stderr;
  } finally {
    // Whatever is left (a container of a killed checker, a lab host's anchor) goes with its cgroup.
    await cgroup.kill();
    cgroup.remove();
  }
  return { events, output, ...(stopped !== undefined && { stopped }) };
}
