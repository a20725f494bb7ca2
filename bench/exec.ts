// `mydocker exec CONTAINER true` against its peers, measured in one run: `node -e 0` (the floor of any
// command of this CLI: Node's own start) and `runc exec` into a runc container of the same busybox.
// Each round runs every command once, in turn, so whatever else the machine does falls on all alike.
// Target (issue 10): exec at most `node -e 0` + 10 ms. Usage: npm run bench:exec [-- --runs 30]
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot, shimBinary } from '../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-exec-'));
const cgroupParent = testCgroupParent('bench-exec');
const env = {
  ...process.env,
  MYDOCKER_SOURCE: 'solutions',
  MYDOCKER_ROOT: join(work, 'state'),
  MYDOCKER_SHIM: shimBinary,
  MYDOCKER_CGROUP_PARENT: cgroupParent,
};
const mydocker = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs')];
const runcId = `mydocker-bench-exec-${process.pid}`;

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

/** A mydocker container that waits on its stdin; it ends when the pipe closes. */
async function heldContainer(): Promise<{ id: string; release: () => Promise<void> }> {
  const child = spawn(
    mydocker[0]!,
    [
      ...mydocker.slice(1),
      'run',
      '--network',
      'none',
      '-i',
      '--rm',
      '--name',
      'bench',
      'busybox',
      'sh',
      '-c',
      'echo ready; read _',
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env,
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('close', (code) => reject(new Error(`the container ended before it was ready (${code})`)));
  });
  const ended = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { id: 'bench', release: () => (child.stdin.end('\n'), ended) };
}

/** A detached runc container of Debian's static busybox, sleeping; undefined without runc. */
function runcContainer(): boolean {
  if (!existsSync('/bin/busybox') || spawnSync('runc', ['--version']).status !== 0) return false;
  const bundle = join(work, 'bundle');
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  for (const dir of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(bundle, 'rootfs', dir));
  copyFileSync('/bin/busybox', join(bundle, 'rootfs', 'bin', 'busybox'));
  for (const applet of ['true', 'sleep']) symlinkSync('busybox', join(bundle, 'rootfs', 'bin', applet));
  spawnSync('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(spawnSync('cat', [join(bundle, 'config.json')]).stdout.toString());
  config.process.terminal = false;
  config.process.args = ['/bin/sleep', '600'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  const started = spawnSync('runc', ['run', '-d', '--bundle', bundle, runcId], { stdio: 'ignore' });
  return started.status === 0;
}

async function main(): Promise<void> {
  await ensureBuilt('solutions');
  const container = await heldContainer();
  const runc = runcContainer();
  try {
    const peers: [string, string[]][] = [
      ['node -e 0', [process.execPath, '-e', '0']],
      ['mydocker exec bench true', [...mydocker, 'exec', container.id, 'true']],
    ];
    if (runc) peers.push(['runc exec (busybox, true)', ['runc', 'exec', runcId, '/bin/true']]);
    else console.log('runc or /bin/busybox missing: runc is left out (sudo bash vm/provision.sh)');
    const times = new Map<string, number[]>(peers.map(([name]) => [name, []]));
    for (const [, command] of peers) timeOnce(command); // warm the page cache
    for (let round = 0; round < runs; round++)
      for (const [name, command] of peers) times.get(name)!.push(timeOnce(command));
    const medians = new Map([...times].map(([name, values]) => [name, median(values)]));
    console.log(`\nNode ${process.version}, ${runs} rounds, medians:\n`);
    for (const [name, value] of medians) console.log(`  ${name.padEnd(30)} ${value.toFixed(1).padStart(7)} ms`);
    const exec = medians.get('mydocker exec bench true')!;
    const node = medians.get('node -e 0')!;
    console.log(`\n  mydocker exec minus node -e 0: ${(exec - node).toFixed(1)} ms (target <= 10 ms)`);
  } finally {
    if (runc) spawnSync('runc', ['delete', '--force', runcId], { stdio: 'ignore' });
    await container.release();
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
