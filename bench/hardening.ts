// What the hardened defaults cost a container's start: `run --rm busybox true` as it comes against
// `--privileged --security-opt seccomp=unconfined` (no filter, no capability drop, no masked paths),
// A/B interleaved, medians. Target (issue 13): at most 2 ms added.
// Usage: npm run bench:hardening [-- --runs 30]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot, shimBinary } from '../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 30;
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-hardening-'));
const cgroupParent = testCgroupParent('bench-hardening');
const env = {
  ...process.env,
  MYDOCKER_SOURCE: 'solutions',
  MYDOCKER_ROOT: join(work, 'state'),
  MYDOCKER_SHIM: shimBinary,
  MYDOCKER_CGROUP_PARENT: cgroupParent,
};
const run = (...flags: string[]): string[] => [
  process.execPath,
  join(projectRoot, 'bin', 'mydocker.cjs'),
  'run',
  '--rm',
  '--network',
  'none',
  ...flags,
  'busybox',
  'true',
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeOnce(command: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

async function main(): Promise<void> {
  await ensureBuilt('solutions');
  const peers: Array<[string, string[]]> = [
    ['hardened (the defaults)', run()],
    ['--privileged --security-opt seccomp=unconfined', run('--privileged', '--security-opt', 'seccomp=unconfined')],
    // The filter's own share: the defaults but the seccomp filter.
    ['--security-opt seccomp=unconfined', run('--security-opt', 'seccomp=unconfined')],
  ];
  const times = new Map<string, number[]>(peers.map(([name]) => [name, []]));
  for (const [, command] of peers) timeOnce(command); // warm the page cache and the image
  for (let round = 0; round < runs; round++)
    for (const [name, command] of round % 2 ? [...peers].reverse() : peers) times.get(name)!.push(timeOnce(command));
  const medians = new Map([...times].map(([name, values]) => [name, median(values)]));
  console.log(`\nrun --rm --network none busybox true, ${runs} rounds, medians:\n`);
  for (const [name, value] of medians) console.log(`  ${name.padEnd(48)} ${value.toFixed(1).padStart(7)} ms`);
  const hardened = medians.get(peers[0]![0])!;
  const added = hardened - medians.get(peers[1]![0])!;
  console.log(`\n  the hardened defaults add ${added.toFixed(1)} ms (target <= 2 ms)`);
  console.log(`  of which the seccomp filter: ${(hardened - medians.get(peers[2]![0])!).toFixed(1)} ms`);
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
