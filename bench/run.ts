// Start latency of the reference runtime against its peers, measured in one run: each round runs
// every command once, in turn, so that whatever else the machine does falls on all of them alike.
// Prints medians and ratios. Then the image import's throughput against tar's (bench/import.ts).
// Usage: npm run bench [-- --runs 30 --import-rounds 10 --skip-import]
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePath, ensureBuilt, projectRoot, shimBinary } from '../scripts/build.mjs';
import { planArguments } from '../solutions/src/shim/argv.ts';
import { buildPlan } from '../solutions/src/container/setup.ts';
import { containerEnv } from '../solutions/src/container/command.ts';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { containerCgroups } from '../solutions/src/cgroups/driver.ts';
import { parseResources, thisMachine } from '../solutions/src/cgroups/resources.ts';
import { detectCgroups } from '../solutions/src/cgroups/system.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

interface Peer {
  name: string;
  command: string[];
  env?: Record<string, string>;
}

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-'));
const cgroupParent = testCgroupParent('bench');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeOnce(peer: Peer): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(peer.command[0]!, peer.command.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...peer.env },
  });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${peer.name} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

/** A runc bundle whose rootfs is Debian's static busybox, running /bin/true. */
function runcBundle(): string | undefined {
  const busybox = '/bin/busybox';
  if (!existsSync(busybox) || spawnSync('runc', ['--version']).status !== 0) return undefined;
  const bundle = join(work, 'bundle');
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  for (const dir of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(bundle, 'rootfs', dir));
  copyFileSync(busybox, join(bundle, 'rootfs', 'bin', 'busybox'));
  symlinkSync('busybox', join(bundle, 'rootfs', 'bin', 'true'));
  spawnSync('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(spawnSync('cat', [join(bundle, 'config.json')]).stdout.toString());
  config.process.terminal = false;
  config.process.args = ['/bin/true'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return bundle;
}

/** Milliseconds until the command's first output (it has started), and until mydocker ended. */
function startAndEnd(command: string[], env: Record<string, string>): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - start) / 1e6;
    let started: number | undefined;
    const child = spawn(command[0]!, command.slice(1), {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    child.stdout.once('data', () => (started = since()));
    child.stdout.resume();
    child.on('close', (code) =>
      code === 0 && started !== undefined
        ? resolve([started, since()])
        : reject(new Error(`${command.join(' ')} failed (${code})`)),
    );
  });
}

/**
 * What an overlay root adds to a start: the same static binary (/bin/busybox echo) run from the
 * host's filesystem and from the busybox image, timed to its first output. The end-to-end figure
 * adds the teardown: the namespace's mounts and `remove-tree` of the container's directory.
 */
async function startLatency(env: Record<string, string>): Promise<void> {
  const mydocker = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs'), 'run', '--rm', '--network', 'none'];
  const images = {
    host: [...mydocker, 'host', '/bin/busybox', 'echo', 'started'],
    busybox: [...mydocker, 'busybox', '/bin/busybox', 'echo', 'started'],
  };
  const samples = { host: [[], []] as number[][], busybox: [[], []] as number[][] };
  for (const image of ['host', 'busybox'] as const) await startAndEnd(images[image], env); // warm up
  for (let round = 0; round < runs; round++) {
    for (const image of ['host', 'busybox'] as const) {
      const [started, ended] = await startAndEnd(images[image], env);
      samples[image][0]!.push(started);
      samples[image][1]!.push(ended);
    }
  }
  const [hostStart, hostEnd] = samples.host.map(median) as [number, number];
  const [imageStart, imageEnd] = samples.busybox.map(median) as [number, number];
  console.log(`\n  start latency, to the first output of /bin/busybox echo (medians of ${runs}):`);
  console.log(
    `    host path ${hostStart.toFixed(1)} ms, overlay root (busybox) ${imageStart.toFixed(1)} ms: +${(imageStart - hostStart).toFixed(1)} ms (target <= 5 ms)`,
  );
  console.log(
    `    to the end, with the teardown: host path ${hostEnd.toFixed(1)} ms, overlay root ${imageEnd.toFixed(1)} ms: +${(imageEnd - hostEnd).toFixed(1)} ms`,
  );
}

/** The host pid of a container's PID 1, from its state (`pid`, or running.json's `pid`). */
function containerPid(stateRoot: string, id: string): number {
  const dir = join(stateRoot, 'containers', id);
  if (existsSync(join(dir, 'pid'))) return Number(readFileSync(join(dir, 'pid'), 'utf8'));
  return (JSON.parse(readFileSync(join(dir, 'running.json'), 'utf8')) as { pid: number }).pid;
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * `run -d busybox sleep 60`, from the start of the CLI to its exit with the container running,
 * against a foreground `run --rm busybox true`, interleaved. After each -d its container is killed
 * (SIGKILL to PID 1) and its supervisor waited for, outside the timing.
 */
function detachLatency(env: Record<string, string>): void {
  const mydocker = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs'), 'run', '--network', 'none'];
  const detached: number[] = [];
  const foreground: number[] = [];
  const once = (): void => {
    const start = process.hrtime.bigint();
    const result = spawnSync(mydocker[0]!, [...mydocker.slice(1), '-d', 'busybox', 'sleep', '60'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    detached.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`run -d failed (${result.status}): ${result.stderr}`);
    const pid = containerPid(env.MYDOCKER_ROOT!, result.stdout.toString().trim());
    const supervisor = parentOf(pid);
    process.kill(pid, 'SIGKILL');
    while (existsSync(`/proc/${supervisor}`)) spawnSync('sleep', ['0.01']);
    foreground.push(
      timeOnce({ name: 'run --rm busybox true', command: [...mydocker, '--rm', 'busybox', 'true'], env }),
    );
  };
  once(); // warm up
  detached.length = foreground.length = 0;
  for (let round = 0; round < runs; round++) once();
  const [d, f] = [median(detached), median(foreground)];
  console.log(`
  run -d, to the CLI's exit with the container running (medians of ${runs}, interleaved):`);
  console.log(
    `    run -d busybox sleep 60 ${d.toFixed(1)} ms, run --rm busybox true ${f.toFixed(1)} ms: ${d >= f ? '+' : ''}${(d - f).toFixed(1)} ms (target <= 5 ms)`,
  );
}

async function main(): Promise<void> {
  await ensureBuilt('solutions');
  const env = {
    MYDOCKER_SOURCE: 'solutions',
    MYDOCKER_ROOT: join(work, 'state'),
    MYDOCKER_SHIM: shimBinary,
    MYDOCKER_CGROUP_PARENT: cgroupParent,
  };
  const peers: Peer[] = [
    { name: 'node -e 0', command: [process.execPath, '-e', '0'] },
    {
      name: 'mydocker run --rm host /bin/true',
      command: [
        process.execPath,
        join(projectRoot, 'bin', 'mydocker.cjs'),
        'run',
        '--rm',
        '--network',
        'none',
        'host',
        '/bin/true',
      ],
      env,
    },
    {
      name: '  (the bundle, without the launcher)',
      command: [process.execPath, bundlePath('solutions'), 'run', '--rm', '--network', 'none', 'host', '/bin/true'],
      env,
    },
  ];
  // The same container with no Node at all: the shim run directly on the plan mydocker would build.
  const env0 = containerEnv({ hostname: 'bench', tty: false, assignments: [] });
  const plan = buildPlan(
    { hostname: 'bench', command: ['/bin/true'], env: env0 },
    { stdio: { stdin: 'null', output: 'inherit', terminal: false }, host: { created: [], ended: [], failed: [] } },
  );
  peers.push({ name: '  (the shim alone, on the same plan)', command: [shimBinary, ...planArguments(plan)] });
  // The same, with the cgroup set-up every container gets (make, limit, join, remove): its extra cost.
  const cgroups = containerCgroups(
    detectCgroups(),
    parseResources({ memory: '64m', cpus: '0.5', pidsLimit: '100' }, thisMachine()),
    cgroupParent,
    'bench',
  );
  const withCgroups = { ...plan, host: cgroups };
  peers.push({ name: '  (the shim alone, with cgroup set-up)', command: [shimBinary, ...planArguments(withCgroups)] });
  const bundle = runcBundle();
  let round = 0;
  if (bundle)
    peers.push({
      name: 'runc run (busybox bundle, /bin/true)',
      command: ['sh', '-c', `exec runc run --bundle ${bundle} bench-$$`],
    });
  else console.log('runc or /bin/busybox missing: runc is left out (sudo bash vm/provision.sh)');

  const times = new Map<string, number[]>(peers.map((peer) => [peer.name, []]));
  for (const peer of peers) timeOnce(peer); // warm the page cache
  for (round = 0; round < runs; round++) for (const peer of peers) times.get(peer.name)!.push(timeOnce(peer));

  const medians = new Map([...times].map(([name, values]) => [name, median(values)]));
  const node = medians.get('node -e 0')!;
  const mydocker = medians.get('mydocker run --rm host /bin/true')!;
  const runc = medians.get('runc run (busybox bundle, /bin/true)');
  console.log(`\nNode ${process.version}, ${runs} rounds, medians:\n`);
  for (const [name, value] of medians) console.log(`  ${name.padEnd(40)} ${value.toFixed(1).padStart(7)} ms`);
  console.log(`\n  mydocker minus node -e 0: ${(mydocker - node).toFixed(1)} ms (target <= 10 ms)`);
  if (runc) console.log(`  mydocker / runc:          ${(mydocker / runc).toFixed(2)}x (target <= 1.5x)`);
  await startLatency(env);
  detachLatency(env);
  const bare = medians.get('  (the shim alone, on the same plan)')!;
  const limited = medians.get('  (the shim alone, with cgroup set-up)')!;
  // Back-to-back runs keep the kernel's cgroup locks warm: this is the shim's own share. The end-to-end
  // cost, planning in Node included, is measured in docs/benchmarks.md (3.6 ms there).
  console.log(
    `  cgroup set-up, in the shim: ${(limited - bare).toFixed(1)} ms (back to back; end to end: docs/benchmarks.md; target <= 5 ms)`,
  );
}

try {
  await main();
  if (!process.argv.includes('--skip-import')) {
    const importRounds = Number(process.argv[process.argv.indexOf('--import-rounds') + 1]) || 10;
    const { benchImport, printImportFigures } = await import('./import.ts');
    printImportFigures(await benchImport(importRounds), importRounds);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
