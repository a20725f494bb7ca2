// lab grade's throughput (issue 12), in two parts, each printed as medians:
//   1. a class of 10 (five solved clones, five pristine ones, mixed) graded with -j 1 and with -j 2,
//      alternately, `--rounds` times each: the ratio is what a second core buys (target: 1.6x or more)
//   2. the whole course for one solved submission, graded once (one checker for every lab), against
//      `lab check LAB --solutions --json` of each lab in turn (one checker per lab): as fast or faster
// The load average is printed beside each figure: the machine is shared.
// Usage: node bench/grade.ts [--rounds 3] [--labs ch1-command,ch1-hostname] [--only class|course]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { allLabs, chapters, findLab } from '../chapters/manifest.ts';
import { projectRoot } from '../scripts/build.mjs';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}

const rounds = Number(option('rounds', '3'));
const classLabs = option('labs', 'ch1-command,ch1-hostname');
const only = option('only', 'class,course').split(',');
const work = mkdtempSync('/var/tmp/lab-grade-bench-');
const lab = join(projectRoot, 'bin', 'lab.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Seconds that `lab ARGS` took; it must end 0. */
function timeLab(args: string[], cwd = work): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [lab, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LAB_PROGRESS_FILE: join(work, 'progress.json') },
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && !(args[0] === 'check' && result.status === 1)) {
    throw new Error(`lab ${args.join(' ')} ended ${result.status}: ${String(result.stderr)}`);
  }
  return seconds;
}

/** A learner's clone: labs/, with every lab solved or none. */
function clone(dir: string, solved: boolean): void {
  mkdirSync(join(dir, 'labs'), { recursive: true });
  cpSync(join(projectRoot, 'labs', 'src'), join(dir, 'labs', 'src'), { recursive: true });
  if (!solved) return;
  for (const file of allLabs().flatMap((l) => l.files))
    cpSync(join(projectRoot, 'solutions', file), join(dir, 'labs', file));
}

try {
  if (only.includes('class')) {
    const klass = join(work, 'class');
    for (let i = 0; i < 10; i++) clone(join(klass, `learner-${String(i).padStart(2, '0')}`), i % 2 === 0);
    const times: Record<'1' | '2', number[]> = { '1': [], '2': [] };
    console.log(`class of 10 (5 solved, 5 pristine), --labs ${classLabs}, ${rounds} rounds of -j 1 and -j 2 in turn`);
    for (let round = 0; round < rounds; round++) {
      for (const jobs of ['1', '2'] as const) {
        const before = load();
        const seconds = timeLab(['grade', 'class', '--labs', classLabs, '-j', jobs, '--force', '-o', `out-${jobs}`]);
        times[jobs].push(seconds);
        console.log(`  round ${round + 1}, -j ${jobs}: ${seconds.toFixed(1)} s (load ${before} -> ${load()})`);
      }
    }
    const one = median(times['1']);
    const two = median(times['2']);
    console.log(`  median -j 1 ${one.toFixed(1)} s, -j 2 ${two.toFixed(1)} s: ${(one / two).toFixed(2)}x`);
  }

  if (only.includes('course')) {
    const course = chapters.filter((c) => c.status === 'ready').flatMap((c) => c.labs);
    clone(join(work, 'one', 'solved'), true);
    console.log(`the whole course (${course.length} labs) for one solved submission`);
    let before = load();
    const graded = timeLab(['grade', 'one', '--force', '-o', 'out-course']);
    console.log(`  lab grade, once: ${graded.toFixed(1)} s (load ${before} -> ${load()})`);
    const result = JSON.parse(readFileSync(join(work, 'out-course', 'results.json'), 'utf8')) as {
      submissions: { labs: { id: string; passed: boolean }[] }[];
    };
    const failed = result.submissions[0]!.labs.filter((l) => !l.passed).map((l) => l.id);
    if (failed.length > 0) console.log(`  (labs that did not pass: ${failed.join(', ')})`);
    before = load();
    let checked = 0;
    for (const { id } of course) checked += timeLab(['check', findLab(id)!.id, '--solutions', '--json'], projectRoot);
    console.log(`  lab check of each lab in turn: ${checked.toFixed(1)} s (load ${before} -> ${load()})`);
    console.log(`  lab grade takes ${((graded / checked) * 100).toFixed(0)}% of the time`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
