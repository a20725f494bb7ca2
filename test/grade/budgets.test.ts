// lab grade's budgets and its Ctrl-C, with the real checker on ch1-command. The lab's second check
// calls containerEnv itself (hostname 'box'); from the third on, the runtime calls it for each
// `mydocker run`. So learner code can misbehave inside vitest or inside the runtime:
//   c-looper   loops for ever inside vitest: its time budget kills the checker, stuck or not
//   d-stalled  loops for ever in the runtime: each run hangs; checks 1 and 2 finished, and count
//   a-hoarder  allocates without end in the runtime: the memory budget's OOM kill; 1 and 2 count
//   b-steady   behaves: graded as usual beside them
// and a run stopped with SIGINT ends 130 and leaves nothing behind.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClassResult } from '../../cli/grade/result.ts';
import { allBut, clone, isRoot, lab } from './support.ts';

function misbehave(dir: string, when: string, code: string): void {
  const file = join(dir, 'labs', 'src', 'container', 'command.ts');
  const text = readFileSync(file, 'utf8');
  const start = 'export function containerEnv({ hostname, tty, assignments }: EnvOptions): string[] {\n';
  expect(text).toContain(start);
  writeFileSync(file, text.replace(start, `${start}  if (${when}) { ${code} }\n`));
}

const LOOP = 'for (;;) {}';
const HOARD = 'const kept: Buffer[] = []; for (;;) kept.push(Buffer.alloc(16 << 20, 1));';

function leftovers(pid: number): string[] {
  const mine = (name: string): boolean => name.startsWith(`lab-grade-${pid}`);
  const found = readdirSync('/var/tmp')
    .filter(mine)
    .map((name) => `/var/tmp/${name}`);
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const dir = join('/sys/fs/cgroup', hierarchy);
    if (existsSync(join(dir, 'cgroup.procs')))
      found.push(
        ...readdirSync(dir)
          .filter(mine)
          .map((name) => join(dir, name)),
      );
  }
  return found;
}

describe.runIf(isRoot)('lab grade: budgets and Ctrl-C', { timeout: 120_000 }, () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync('/tmp/lab-grade-budgets-test-');
    misbehave(clone(join(root, 'class', 'c-looper'), allBut()), "hostname === 'box'", LOOP);
    misbehave(clone(join(root, 'class', 'd-stalled'), allBut()), "hostname !== 'box'", LOOP);
    misbehave(clone(join(root, 'class', 'a-hoarder'), allBut()), "hostname !== 'box'", HOARD);
    clone(join(root, 'class', 'b-steady'), allBut());
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('a loop runs out of time, an allocation out of memory; what finished counts; the rest of the class is graded', async () => {
    let pid = 0;
    const started = Date.now();
    const run = await lab(
      // Two at a time, by name: the hoarder beside the steady one, then the two that loop.
      ['grade', 'class', '--labs', 'ch1-command', '-j', '2', '--timeout', '0.5', '--memory', '400m', '-o', 'out'],
      root,
      (p) => (pid = p),
    );
    expect(run.code, run.stderr).toBe(0);
    // The loop is stopped at its budget, not at vitest's own limits.
    expect(Date.now() - started).toBeLessThan(90_000);
    const result = JSON.parse(readFileSync(join(root, 'out', 'results.json'), 'utf8')) as ClassResult;
    const byLearner = Object.fromEntries(result.submissions.map((s) => [s.learner, s]));
    const timeRanOut = {
      status: 'over-budget',
      problem: expect.stringMatching(/^its time budget \(0\.5 min\) ran out/),
    };
    expect(byLearner['c-looper']).toMatchObject(timeRanOut);
    expect(byLearner['d-stalled']).toMatchObject(timeRanOut);
    expect(byLearner['a-hoarder']).toMatchObject({
      status: 'over-budget',
      problem: expect.stringMatching(/^its memory budget \(400m\) ran out/),
    });
    for (const learner of ['c-looper', 'd-stalled', 'a-hoarder'])
      expect(byLearner[learner]!.labs[0]!.earned, learner).toBe(0);
    // A worker thread stuck in a loop cannot send vitest the results it holds: what the looper
    // finished may not have come out. The other two finished their first two checks, and keep them.
    for (const learner of ['d-stalled', 'a-hoarder']) {
      const checks = byLearner[learner]!.labs[0]!.checks;
      expect(
        checks.slice(0, 2).map((c) => c.state),
        learner,
      ).toEqual(['passed', 'passed']);
    }
    // Each run of the hoarder's runtime is killed at the limit, and the next check goes on; the stalled
    // one's runs hang (20 s each) until its time is up.
    const stalled = byLearner['d-stalled']!.labs[0]!.checks;
    expect(stalled.length).toBeLessThan(9);
    expect(stalled.at(-1)!.state).toBe('not run');
    expect(byLearner['b-steady']).toMatchObject({
      status: 'graded',
      labs: [{ id: 'ch1-command', passed: true, earned: 1 }],
    });
    expect(leftovers(pid)).toEqual([]);
  });

  test('SIGINT stops the run: exit 130, no reports, nothing left behind; what finished is kept for the next run', async () => {
    let pid = 0;
    const running = lab(
      ['grade', 'class/b-steady', 'class/c-looper', '--labs', 'ch1-command', '-j', '1', '-o', 'stopped'],
      root,
      (p) => (pid = p),
    );
    // b-steady (named first) is graded, then c-looper hangs in its second check.
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(root, 'stopped', '.graded', 'b-steady.json')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 4_000)); // looper's checker is running now
    process.kill(pid, 'SIGINT');
    const run = await running;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('lab grade: stopping (SIGINT)');
    expect(existsSync(join(root, 'stopped', 'results.json'))).toBe(false);
    expect(readdirSync(join(root, 'stopped', '.graded'))).toEqual(['b-steady.json']);
    expect(leftovers(pid)).toEqual([]);
  });
});
