// `mydocker ps -a` with 100 containers in the store (issue 10's target: under 150 ms), against
// `node -e 0` and `ps -a` of an empty store in the same rounds, so the machine's load falls on all
// alike. The containers are state entries written here, as run and the shim write them: 90 that
// ended (a pid that no longer runs, an exit code) and 10 running (the pid of a `sleep` started here).
// Usage: node bench/ps.ts [--runs 20]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot } from '../scripts/build.mjs';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const COUNT = 100;
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-ps-'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function writeStore(root: string, count: number, runningPid: number): void {
  for (let i = 0; i < count; i++) {
    const id = `${i.toString(16).padStart(4, '0')}${'ab'.repeat(30)}`;
    const dir = join(root, 'containers', id);
    mkdirSync(dir, { recursive: true });
    const config = {
      id,
      name: `bench_${i}`,
      hostname: id.slice(0, 12),
      command: ['sh', '-c', `echo container ${i}; sleep 1000`],
      created: new Date(Date.now() - i * 60_000).toISOString(),
      image: 'busybox',
      layers: ['0'.repeat(64)],
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
    const running = i < 10;
    writeFileSync(join(dir, 'pid'), `${running ? runningPid : 2147483646}\n`);
    if (!running) writeFileSync(join(dir, 'exit'), `${i % 3 === 0 ? 137 : 0}\n`);
  }
}

function timeOnce(command: string[], env: Record<string, string>): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

await ensureBuilt('solutions');
const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
try {
  const full = join(work, 'full');
  const empty = join(work, 'empty');
  writeStore(full, COUNT, sleeper.pid!);
  mkdirSync(join(empty, 'containers'), { recursive: true });
  const mydocker = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs'), 'ps', '-a'];
  const peers: { name: string; command: string[]; env: Record<string, string> }[] = [
    { name: 'node -e 0', command: [process.execPath, '-e', '0'], env: {} },
    {
      name: 'mydocker ps -a, empty store',
      command: mydocker,
      env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: empty },
    },
    {
      name: `mydocker ps -a, ${COUNT} containers`,
      command: mydocker,
      env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: full },
    },
  ];
  const lines = spawnSync(mydocker[0]!, mydocker.slice(1), {
    env: { ...process.env, ...peers[2]!.env },
  }).stdout.toString();
  if (lines.split('\n').length !== COUNT + 2)
    throw new Error(`ps -a printed ${lines.split('\n').length - 2} containers`);
  const times = peers.map(() => [] as number[]);
  for (const peer of peers) timeOnce(peer.command, peer.env); // warm the page cache
  for (let round = 0; round < runs; round++)
    peers.forEach((peer, i) => times[i]!.push(timeOnce(peer.command, peer.env)));
  console.log(`\nNode ${process.version}, ${runs} rounds, medians:\n`);
  peers.forEach((peer, i) => console.log(`  ${peer.name.padEnd(36)} ${median(times[i]!).toFixed(1).padStart(7)} ms`));
  const [node, none, hundred] = times.map(median) as [number, number, number];
  console.log(
    `\n  ps -a with ${COUNT} containers: ${hundred.toFixed(1)} ms (target < 150 ms); ${(hundred - none).toFixed(1)} ms more than an empty store, ${(none - node).toFixed(1)} ms over node -e 0`,
  );
} finally {
  sleeper.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
