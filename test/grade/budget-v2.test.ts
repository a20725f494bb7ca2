// lab grade's budget on cgroup v2, in the micro-VM (budget-in-vm.ts runs there): this machine is
// cgroup v1, the graders that most instructors and GitHub's runners have are v2. Skipped, with the
// reason, where the VM cannot run.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../scripts/build.mjs';
import { runInVm, vmDir, vmPrerequisites } from '../../vm/run.mjs';

function whyNot(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'not root on Linux';
  try {
    vmPrerequisites();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
const skip = whyNot();

describe.skipIf(skip !== undefined)(`lab grade's budget on cgroup v2${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const facts = new Map<string, string>();
  let resultsDir = '';
  let stderr = '';

  beforeAll(async () => {
    mkdirSync(vmDir, { recursive: true });
    resultsDir = mkdtempSync(join(vmDir, 'grade-budget-'));
    let stdout = '';
    await runInVm({
      command: [process.execPath, join(projectRoot, 'test', 'grade', 'budget-in-vm.ts')],
      cwd: projectRoot,
      resultsDir,
      timeoutMs: 170_000,
      onStdout: (chunk) => (stdout += chunk.toString()),
      onStderr: (chunk) => (stderr += chunk.toString()),
    });
    for (const line of stdout.split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) facts.set(line.slice(0, at), line.slice(at + 1).trim());
    }
  }, 180_000);

  afterAll(() => {
    if (resultsDir) rmSync(resultsDir, { recursive: true, force: true });
  });

  test('learner code in the checker is killed at the budget, and the grader knows it was the budget', () => {
    expect(facts.get('worker-hoarder'), stderr).toBe('SIGKILL');
    expect(facts.get('worker-ran-out')).toBe('true');
  });

  test("the checker's containment is below the budget, so a lab host's process is held by it too", () => {
    expect(facts.get('containment-under-budget'), stderr).toBe('true');
    expect(facts.get('labhost-hoarder')).toBe('SIGKILL');
    expect(facts.get('labhost-ran-out')).toBe('true');
  });

  test('a submission within its budget is not over it; killing it kills all its processes; nothing is left', () => {
    expect(facts.get('spinning'), stderr).toBe('2');
    expect(facts.get('roomy-ran-out')).toBe('false');
    expect(facts.get('after-kill')).toBe('0');
    expect(facts.get('left')).toBe('false');
  });
});

// `lab grade --vm` end to end: each submission's checker in the micro-VM. Minutes under TCG, so only
// when asked for (LAB_TEST_GRADE_VM=1); measured once by hand: 4 min 37 s for two submissions of
// ch1-command at -j 2 on the shared 2-core machine (load 6).
const gradeVm = skip === undefined && process.env.LAB_TEST_GRADE_VM === '1';
describe.runIf(gradeVm)('lab grade --vm', () => {
  test('a solved and a pristine submission, graded in the VM as on the host', { timeout: 600_000 }, async () => {
    const { allBut, clone, lab } = await import('./support.ts');
    const { readFileSync } = await import('node:fs');
    const root = mkdtempSync('/tmp/lab-grade-vm-test-');
    try {
      clone(join(root, 'class', 'solved'), allBut());
      clone(join(root, 'class', 'pristine'));
      const run = await lab(['grade', 'class', '--vm', '--labs', 'ch1-hostname', '-j', '2', '-o', 'out'], root);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(
        readFileSync(join(root, 'out', 'results.json'), 'utf8'),
      ) as import('../../cli/grade/result.ts').ClassResult;
      expect(result.submissions.map((s) => `${s.learner} ${s.status} ${s.labs.map((l) => l.passed).join()}`)).toEqual([
        'pristine graded false',
        'solved graded true',
      ]);
      expect(existsSync(join(projectRoot, '.lab', 'grade'))).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
