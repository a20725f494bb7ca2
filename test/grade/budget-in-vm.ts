// Run inside the cgroup v2 micro-VM by budget-v2.test.ts (not a test file itself): lab grade's
// budget cgroup on cgroup v2, with the checker's containment below it (MYDOCKER_CHECKER_CGROUP_PARENT),
// as on a v2 grader (GitHub's Ubuntu 24.04 runners). One `key=value` line per fact.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GRADER_TOP, removeGraderTop, SubmissionCgroup } from '../../cli/grade/budget.ts';

const report = (key: string, value: unknown): void => void process.stdout.write(`${key}=${String(value)}\n`);
const HOARD = 'const kept = []; for (;;) kept.push(Buffer.alloc(4 << 20, 1));';

// 1. Learner code in the checker itself (the worker's leaf) is stopped at the budget.
const hoarding = new SubmissionCgroup(0, 96 * 1024 ** 2);
const joinSelf = (file: string): string => `require('fs').writeFileSync(${JSON.stringify(file)}, String(process.pid));`;
const hoarder = spawn(process.execPath, ['-e', `${joinSelf(hoarding.joinFiles[0]!)} ${HOARD}`], { stdio: 'ignore' });
const [, hoarderSignal] = (await once(hoarder, 'exit')) as [number | null, string | null];
report('worker-hoarder', hoarderSignal);
report('worker-ran-out', hoarding.memoryRanOut());
hoarding.remove();

// 2. Learner code in a lab host's process: the containment's cgroups are below the budget.
const budget = new SubmissionCgroup(1, 96 * 1024 ** 2);
process.env.MYDOCKER_CHECKER_CGROUP_PARENT = budget.path;
const { Containment } = await import('../../checker/harness/containment.ts');
const containment = new Containment(`budget-test-${process.pid}`);
report(
  'containment-under-budget',
  containment.harnessDirs.every((dir) => dir.startsWith(join('/sys/fs/cgroup', budget.path, 'mydocker-checker'))),
);
const [command, ...args] = containment.wrap([process.execPath, '-e', HOARD]);
const labHost = spawn(command!, args, { stdio: 'ignore' });
const [, labHostSignal] = (await once(labHost, 'exit')) as [number | null, string | null];
report('labhost-hoarder', labHostSignal);
report('labhost-ran-out', budget.memoryRanOut());
await containment.destroy();

// 3. A limit a check sets itself (the containment's, below the budget) is not the budget's.
const roomy = new SubmissionCgroup(2, 512 * 1024 ** 2);
const spinner = spawn(
  process.execPath,
  ['-e', `${joinSelf(roomy.joinFiles[0]!)} require('child_process').spawn('sleep', ['600']); for (;;) {}`],
  {
    stdio: 'ignore',
  },
);
for (let i = 0; i < 100 && roomy.pids().length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
report('spinning', roomy.pids().length);
report('roomy-ran-out', roomy.memoryRanOut());
// Listened for before the kill: the spinner can exit while kill() is still awaited, and a once()
// attached after its 'exit' waits for ever (seen in CI: the VM's script never came to after-kill).
const spinnerExit =
  spinner.exitCode !== null || spinner.signalCode !== null ? Promise.resolve() : once(spinner, 'exit');
await roomy.kill();
await spinnerExit.catch(() => {});
report('after-kill', roomy.pids().length);
for (const cgroup of [budget, roomy]) cgroup.remove();
removeGraderTop();
report('left', existsSync(join('/sys/fs/cgroup', GRADER_TOP)));
