// A checker run stopped half-way (`lab watch`: a save while it runs; or its time limit) leaves
// nothing: no process, no cgroup of that vitest, no state root. The real checker, on the reference's
// ch1-command, as root.
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { chapters, findLab } from '../../chapters/manifest.ts';
import { groupMembers, runCgroups, runStateRoots } from '../../cli/check/leftovers.ts';
import { runChecks } from '../../cli/check/run-checks.ts';
import { watchFiles } from '../../cli/commands/watch/file-watch.ts';
import { startWatchLoop } from '../../cli/commands/watch/watch-loop.ts';
import type { WatchState } from '../../cli/commands/watch/watch-state.ts';
import { projectRoot } from '../../cli/paths.ts';

const root = process.platform === 'linux' && process.getuid?.() === 0;
const lab = findLab('ch1-command')!;

function processesOf(cgroups: string[]): number[] {
  const pids: number[] = [];
  const walk = (dir: string): void => {
    try {
      pids.push(...readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
    } catch {
      return;
    }
    // one level is enough here: harness/ holds the lab host, containers/<id>/ the containers
    for (const child of ['harness', 'containers']) walk(join(dir, child));
  };
  for (const cgroup of cgroups) walk(cgroup);
  return [...new Set(pids)];
}

/** A process still alive and still a checker's (a pid reused by another process does not count). */
function stillACheckersProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes('mydocker-checker/');
  } catch {
    return false;
  }
}

describe.skipIf(!root)('a stopped checker run', () => {
  test(
    'aborted during a check: vitest ends, and its processes, cgroups and state root are gone',
    { timeout: 60_000 },
    async () => {
      const controller = new AbortController();
      let during: { cgroups: string[]; processes: number[]; stateRoots: string[] } | undefined;
      let vitestPid: number | undefined;
      let abortedAt = 0;
      const started = Date.now();
      const result = await runChecks({
        specs: [lab.spec],
        source: 'solutions',
        signal: controller.signal,
        onStart: (pid) => (vitestPid = pid),
        onEvent: (event) => {
          if (event.type !== 'check' || during || vitestPid === undefined) return;
          // The first check has finished: the lab host is up and the next check is running.
          const cgroups = runCgroups(vitestPid);
          during = { cgroups, processes: processesOf(cgroups), stateRoots: runStateRoots(vitestPid, tmpdir()) };
          abortedAt = performance.now();
          controller.abort();
        },
      });
      console.log(`stopped and cleaned up ${(performance.now() - abortedAt).toFixed(0)} ms after the abort`);
      expect(result.stopped).toBe('aborted');
      expect(result.pid).toBe(vitestPid);
      expect(during?.cgroups.length, 'the run had cgroups while it ran').toBeGreaterThan(0);
      expect(during?.processes.length, 'the lab host was running').toBeGreaterThan(0);
      expect(during?.stateRoots.length, 'the run had a state root').toBe(1);
      const pid = result.pid!;
      expect(existsSync(`/proc/${pid}`) && stillACheckersProcess(pid)).toBe(false);
      expect(during!.processes.filter(stillACheckersProcess)).toEqual([]);
      expect(groupMembers(pid)).toEqual([]);
      expect(runCgroups(pid)).toEqual([]);
      expect(runStateRoots(pid, tmpdir())).toEqual([]);
      // Well under a check's own limit (20 s): the stop does not wait for the running check.
      expect(Date.now() - started).toBeLessThan(30_000);
    },
  );

  test('over its time limit: stopped the same way, and says so', { timeout: 60_000 }, async () => {
    // Chapters 1 and 2 take 20 s or more on any machine: far beyond the limit, so the run never ends first.
    const long = chapters.filter((chapter) => chapter.number === 1 || chapter.number === 2);
    const result = await runChecks({
      specs: long.flatMap((chapter) => chapter.labs.map((l) => l.spec)),
      source: 'solutions',
      timeoutMs: 2_500,
      signal: new AbortController().signal,
    });
    expect(result.stopped).toBe('timeout');
    expect(result.output).toContain('the checker was stopped after 3 s, its time limit');
    expect(runCgroups(result.pid!)).toEqual([]);
    expect(runStateRoots(result.pid!, tmpdir())).toEqual([]);
    expect(groupMembers(result.pid!)).toEqual([]);
  });

  test('the next run after a stopped one passes whole', { timeout: 60_000 }, async () => {
    const result = await runChecks({ specs: [lab.spec], source: 'solutions', signal: new AbortController().signal });
    expect(result.stopped).toBeUndefined();
    const checks = result.events.filter((event) => event.type === 'check');
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((check) => check.state === 'passed')).toBe(true);
  });
});

describe.skipIf(!root)('lab watch with the real checker', () => {
  test(
    'a save during a run: the run stops, leaves nothing, and the next vitest starts at once',
    { timeout: 90_000 },
    async () => {
      // A tree of its own (its bundle is .lab/build/tree-<its name>), so that a save touches nothing shared.
      const tree = mkdtempSync(join(tmpdir(), 'lab-watch-cancel-'));
      cpSync(join(projectRoot, 'solutions'), tree, { recursive: true });
      const starts: { pid: number; at: number }[] = [];
      let state: WatchState | undefined;
      const loop = startWatchLoop(
        { chapters, lab, source: tree, progress: { version: 1, labs: {} }, columns: 80, rows: 24 },
        {
          runChecks: (options) =>
            runChecks({ ...options, onStart: (pid) => starts.push({ pid, at: performance.now() }) }),
          watchFiles,
          saveProgress: () => {},
          treeDir: tree,
          onState: (next) => (state = next),
        },
      );
      const until = async (what: string, done: () => boolean): Promise<void> => {
        const deadline = Date.now() + 60_000;
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      try {
        await loop.watching();
        await until('the first check of run 1', () => (state?.check.finished.length ?? 0) > 0);
        const savedAt = performance.now();
        appendFileSync(join(tree, lab.files[0]!), '// saved again\n');
        await until('run 2', () => starts.length === 2);
        const restartMs = starts[1]!.at - savedAt;
        console.log(`a save during a real run: the next vitest spawned ${restartMs.toFixed(0)} ms after the write`);
        expect(runCgroups(starts[0]!.pid)).toEqual([]);
        expect(runStateRoots(starts[0]!.pid, tmpdir())).toEqual([]);
        expect(groupMembers(starts[0]!.pid)).toEqual([]);
        await until('run 2 to finish', () => state?.run === undefined);
        expect(state?.check.report?.passed).toBe(true);
        expect(state?.runs).toBe(2);
        // Between runs: the figure for a learner's usual save (to vitest's spawn, and to its first check).
        const idleSavedAt = performance.now();
        appendFileSync(join(tree, lab.files[0]!), '// and again\n');
        await until('run 3', () => starts.length === 3);
        const spawnMs = starts[2]!.at - idleSavedAt;
        await until('the first check of run 3', () => state?.runs === 3 && state.check.running !== undefined);
        console.log(
          `a save between runs: vitest spawned after ${spawnMs.toFixed(0)} ms, its first check started after ${(performance.now() - idleSavedAt).toFixed(0)} ms`,
        );
        await until('run 3 to finish', () => state?.run === undefined);
        expect(state?.check.report?.passed).toBe(true);
      } finally {
        loop.dispatch({ type: 'key', key: 'quit' });
        await loop.done;
        rmSync(tree, { recursive: true, force: true });
        rmSync(join(projectRoot, '.lab', 'build', `tree-${basename(tree)}`), { recursive: true, force: true });
      }
      for (const { pid } of starts) expect(runCgroups(pid)).toEqual([]);
    },
  );
});
