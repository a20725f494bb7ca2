// What the sealed copy of the shim (native/shim.c, run_from_sealed_copy: CVE-2019-5736) and the cgroup
// namespace (lab ch7-cgroupns) add to a start, measured in one run: each round runs every command once,
// in turn, so that whatever else the machine does falls on all of them alike. Prints medians and the
// differences. The peer without the copy is the same shim.c with the one call taken out, built here.
//   1. `mydocker run --rm --network none busybox true`, with the shim as built and without its copy;
//   2. the shim alone, with a plan that only execs /bin/true (no namespace: what the copy costs
//      without Node's start and the container's set-up around it), with and without the copy;
//   3. the same shim-alone plan with and without an `unshare` of CLONE_NEWCGROUP before the exec.
// Target (issue 13): the chapter's hardening adds at most 2 ms to `run --rm busybox true`.
// Usage: npm run bench:sealed [-- --runs 30]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot, shimBinary } from '../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 30;
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-sealed-'));
const cgroupParent = testCgroupParent('bench-sealed');
const CLONE_NEWCGROUP = 0x02000000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeOnce(command: string[], env: Record<string, string>): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

/** shim.c without its call of run_from_sealed_copy, built as the Makefile builds the shim. */
function unsealedShim(): string {
  const source = readFileSync(join(projectRoot, 'native', 'shim.c'), 'utf8');
  const call = '\trun_from_sealed_copy(argv);\n';
  if (!source.includes(call)) throw new Error('native/shim.c no longer calls run_from_sealed_copy(argv) in main');
  const file = join(work, 'shim-unsealed.c');
  writeFileSync(file, source.replace(call, '\t(void)run_from_sealed_copy;\n'));
  const output = join(work, 'mydocker-shim-unsealed');
  const built = spawnSync('cc', ['-O2', '-std=c11', '-static', '-o', output, file], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building the unsealed shim: ${built.stderr}`);
  return output;
}

/** A plan (native/README.md) that only execs /bin/true, with `before` ops ahead of the exec. */
function shimAlone(shim: string, before: string[][] = []): string[] {
  const container = [...before, ['exec', '3', '', '1', '/bin/true']];
  return [
    shim,
    '2',
    '0',
    'null',
    'inherit',
    'enter',
    '0',
    'container',
    String(container.length),
    ...container.flat(),
  ].concat(['created', '0', 'ended', '0', 'failed', '0']);
}

try {
  await ensureBuilt('solutions');
  const unsealed = unsealedShim();
  // --network none: a bench never sets up the default bridge network in the machine's own namespace.
  const mydocker = [
    process.execPath,
    join(projectRoot, 'bin', 'mydocker.cjs'),
    ...['run', '--rm', '--network', 'none', 'busybox', 'true'],
  ];
  const base = {
    MYDOCKER_SOURCE: 'solutions',
    MYDOCKER_ROOT: join(work, 'state'),
    MYDOCKER_CGROUP_PARENT: cgroupParent,
  };
  const unshare = [['unshare', '1', String(CLONE_NEWCGROUP)]];
  const peers: [string, string[], Record<string, string>][] = [
    ['run --rm --network none busybox true, sealed copy', mydocker, { ...base, MYDOCKER_SHIM: shimBinary }],
    ['run --rm --network none busybox true, no copy', mydocker, { ...base, MYDOCKER_SHIM: unsealed }],
    ['shim alone, sealed copy', shimAlone(shimBinary), {}],
    ['shim alone, no copy', shimAlone(unsealed), {}],
    ['shim alone (no copy), unshare(CLONE_NEWCGROUP)', shimAlone(unsealed, unshare), {}],
  ];
  for (const [, command, env] of peers) timeOnce(command, env); // warm up: the page cache, the bundle
  const samples = peers.map((): number[] => []);
  for (let round = 0; round < runs; round++)
    peers.forEach(([, command, env], i) => samples[i]!.push(timeOnce(command, env)));
  const medians = samples.map(median);
  console.log(`\n  medians of ${runs} interleaved rounds:`);
  peers.forEach(([name], i) => console.log(`    ${name.padEnd(48)} ${medians[i]!.toFixed(2)} ms`));
  const [runSealed, runPlain, aloneSealed, alonePlain, aloneUnshare] = medians as [
    number,
    number,
    number,
    number,
    number,
  ];
  const diff = (a: number, b: number) => `${a >= b ? '+' : ''}${(a - b).toFixed(2)} ms (${(a / b).toFixed(3)}x)`;
  console.log(`\n  the sealed copy, in a whole run: ${diff(runSealed, runPlain)} (target: the chapter <= 2 ms)`);
  console.log(`  the sealed copy, the shim alone: ${diff(aloneSealed, alonePlain)}`);
  console.log(`  unshare(CLONE_NEWCGROUP), the shim alone: ${diff(aloneUnshare, alonePlain)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
