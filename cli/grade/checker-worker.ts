// One submission's checker, as a process of its own that the grader starts (cli/grade/run-submission.ts):
// it first moves itself into the submission's budget cgroup, so that vitest, the learner code that
// runs inside vitest, and everything the checks start are in it; then it runs the checks (on the host,
// or in the micro-VM) and writes each event to stdout as it comes, one JSON line, then the end.
//   node cli/grade/checker-worker.ts '<WorkerJob as JSON>'
import { writeFileSync, writeSync } from 'node:fs';
import type { CheckEvent } from '../../checker/results.ts';

export interface WorkerJob {
  specs: string[];
  /** The tree's absolute path. */
  source: string;
  vm: boolean;
  timeoutMs: number;
  /** cgroup.procs files to write this process into before anything starts. */
  join: string[];
}

export type WorkerLine = { event: CheckEvent } | { done: { output: string } };

function send(line: WorkerLine): void {
  writeSync(1, JSON.stringify(line) + '\n');
}

const job = JSON.parse(process.argv[2] ?? '{}') as WorkerJob;
for (const file of job.join) writeFileSync(file, String(process.pid));
// On Ctrl-C the grader sends SIGINT to this process and vitest: vitest exits at once (no teardown:
// cli/check/leftovers.ts), this one reports what had finished; the grader then kills what is left in
// the budget cgroup (a lab host's anchor) and removes the cgroups and the work dir.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const { runChecks } = await import('../check/run-checks.ts');
const run = job.vm ? (await import('../commands/check/vm-checks.ts')).runChecksInVm : runChecks;
const { output } = await run({
  specs: job.specs,
  source: job.source,
  timeoutMs: job.timeoutMs,
  onEvent: (event) => send({ event }),
});
send({ done: { output } });
