// Runs the checker (vitest, in a child process) on some specs against a runtime source, and streams
// the results back as they come. The child is vitest itself; every check it runs contains the
// processes it starts in a cgroup of its own (checker/harness/containment.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CheckEvent } from '../../checker/results.ts';
import { PROJECT_ROOT } from '../../checker/harness/target.ts';
import { compileCacheDir } from '../../scripts/build/paths.mjs';

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
}

export interface RunChecksResult {
  events: CheckEvent[];
  /** vitest's own output, for when something went wrong before any check ran. */
  output: string;
}

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
}: RunChecksOptions): Promise<RunChecksResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lab-check-'));
  const resultsFile = join(dir, 'results.ndjson');
  const follower = new ResultsFollower(resultsFile, onEvent);
  try {
    const vitest = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const result = await execa(
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
        timeout: timeoutMs,
      },
    );
    return { events: follower.stop(), output: String(result.all ?? '') };
  } finally {
    follower.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
