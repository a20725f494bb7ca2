// The daemon's warm path against its peers, in one run, each round running every one once in turn:
//   warm path   create + wait(removed) + start of `busybox true` through `mydocker daemon`, on kept-open
//               connections (http.Agent keepAlive), from the create's request to the wait's answer
//   docker CLI  `docker run --rm --network none busybox true` (Debian's docker.io client) to the daemon
//   mydocker    `mydocker run --rm --network none busybox true`: the CLI, a Node start per container
//   dockerd     the same `docker run` to Debian's dockerd, started in a sandbox for the bench
//   runc        `runc run` of a bundle of Debian's static busybox running `true`, whole
//   crun        `crun run` of the same bundle, whole, in a mount namespace of its own, with its own
//               cgroup in the unified hierarchy and without any (bench/crun-peer.ts says why): lower
//               bounds of crun's, the target's the first
// Target (issue 14): the warm path at most crun's whole run. Usage: npm run bench:daemon [-- --runs 30]
// [--without-dockerd] (the rest without dockerd: on a machine where none may be started, even sandboxed)
// [--events-listener] (a client of GET /events reads every event meanwhile: the cost of serving one)
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
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
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot, shimBinary } from '../scripts/build.mjs';
import { toolsDir } from '../scripts/build/peer-tools.mjs';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const withoutDockerd = process.argv.includes('--without-dockerd');
const withListener = process.argv.includes('--events-listener');
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-daemon-'));
const socket = join(work, 'api.sock');
const cgroupParent = testCgroupParent('bench-daemon');
const dockerCli = join(toolsDir, 'docker.io', 'usr', 'bin', 'docker');
const env = {
  ...process.env,
  MYDOCKER_SOURCE: 'solutions',
  MYDOCKER_ROOT: join(work, 'state'),
  MYDOCKER_SHIM: shimBinary,
  MYDOCKER_CGROUP_PARENT: cgroupParent,
  DOCKER_HOST: '',
  DOCKER_CONFIG: join(work, 'docker-config'),
};
const agent = new Agent({ keepAlive: true, maxSockets: 2 });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One request on the kept-open connections; `onHeaders` when the status line came. */
function api(method: string, path: string, body?: object, onHeaders?: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const text = body && JSON.stringify(body);
    const req = request(
      { socketPath: socket, method, path, agent, headers: text ? { 'Content-Type': 'application/json' } : {} },
      (response) => {
        onHeaders?.();
        let data = '';
        response.on('data', (chunk: Buffer) => (data += chunk.toString()));
        response.on('end', () =>
          (response.statusCode ?? 500) < 300 ? resolve(data) : reject(new Error(`${method} ${path}: ${data}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** docker's CLI's own order: create, the wait (registered: its headers came), the start, the wait's answer. */
async function warmRun(): Promise<number> {
  const start = process.hrtime.bigint();
  const created = await api('POST', '/v1.41/containers/create', {
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { NetworkMode: 'none', AutoRemove: true },
  });
  const { Id } = JSON.parse(created) as { Id: string };
  let registered!: () => void;
  const headers = new Promise<void>((resolve) => (registered = resolve));
  const waited = api('POST', `/v1.41/containers/${Id}/wait?condition=removed`, undefined, registered);
  await headers;
  await api('POST', `/v1.41/containers/${Id}/start`);
  const answer = JSON.parse(await waited) as { StatusCode: number };
  if (answer.StatusCode !== 0) throw new Error(`the warm path's container exited ${answer.StatusCode}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** GET /events on a connection of its own, read as fast as it comes; counts the lines. */
function listenToEvents(): { lines: () => number; close: () => void } {
  let lines = 0;
  const req = request({ socketPath: socket, method: 'GET', path: '/v1.41/events', agent: false }, (response) => {
    response.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) lines++;
    });
  });
  req.on('error', () => {});
  req.end();
  return { lines: () => lines, close: () => req.destroy() };
}

function timeOnce(command: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed (${result.status}): ${result.stderr}`);
  return elapsed;
}

/** A bundle of Debian's static busybox that runs `true`, for runc and crun; undefined without busybox. */
function busyboxBundle(): string | undefined {
  if (!existsSync('/bin/busybox')) return undefined;
  const bundle = join(work, 'bundle');
  mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
  for (const dir of ['proc', 'dev', 'sys', 'tmp']) mkdirSync(join(bundle, 'rootfs', dir));
  copyFileSync('/bin/busybox', join(bundle, 'rootfs', 'bin', 'busybox'));
  symlinkSync('busybox', join(bundle, 'rootfs', 'bin', 'true'));
  spawnSync('runc', ['spec', '--bundle', bundle]);
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['/bin/true'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config));
  return bundle;
}

const available = (program: string): boolean => spawnSync(program, ['--version']).status === 0;

/** crun, timed by bench/crun-peer.ts in its own mount namespace: one run per call. */
function crunPeer(bundle: string): { time(way: 'run' | 'run-cgroup'): Promise<number>; stop(): void } {
  const child = spawn(
    'unshare',
    ['--mount', '--propagation', 'private', '--', process.execPath, join(projectRoot, 'bench', 'crun-peer.ts')].concat([
      'crun',
      bundle,
      join(work, 'crun-state'),
      `mydocker-bench-crun-${process.pid}`,
    ]),
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async time(way: 'run' | 'run-cgroup') {
      child.stdin.write(`${way}\n`);
      const { value, done } = await answers.next();
      if (done || !/^[\d.]+$/.test(value)) throw new Error(`crun run failed: ${done ? 'the timer ended' : value}`);
      return Number(value);
    },
    stop: () => child.stdin.end(),
  };
}

const dockerdCgroupParent = testCgroupParent('bench-dockerd');

/**
 * Debian's dockerd (docker.io, unpacked by provision.sh, never installed) with the containerd it
 * starts itself, in a sandbox: a private mount namespace inside the bench's own network namespace,
 * every directory under `dir`, a cgroup parent of the bench's, no bridge, no iptables, no forwarding.
 * Resolves with its socket once busybox is loaded into it; undefined without the tools.
 */
async function sandboxedDockerd(dir: string): Promise<{ socket: string; stop: () => Promise<void> } | undefined> {
  const dockerd = join(toolsDir, 'docker.io', 'usr', 'sbin', 'dockerd');
  const containerd = join(toolsDir, 'containerd', 'usr', 'bin');
  if (!existsSync(dockerd) || !existsSync(join(containerd, 'containerd')) || !existsSync(dockerCli)) {
    console.log('dockerd or containerd missing: dockerd is left out (sudo bash vm/provision.sh --for-contributors)');
    return undefined;
  }
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  writeFileSync(join(dir, 'daemon.json'), '{}\n');
  const args = [
    ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid')],
    ...['-H', `unix://${socket}`, '--config-file', join(dir, 'daemon.json'), '--storage-driver', 'overlay2'],
    ...['--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false'],
    ...[
      '--userland-proxy=false',
      `--cgroup-parent=${dockerdCgroupParent}`,
      '--exec-opt',
      'native.cgroupdriver=cgroupfs',
    ],
  ];
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', dockerd, ...args], {
    env: { ...process.env, PATH: `${containerd}:${process.env.PATH}` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('close', resolve));
    }
    removeCgroupParent(dockerdCgroupParent);
  };
  const docker = (...words: string[]) =>
    spawnSync(dockerCli, ['-H', `unix://${socket}`, ...words], { env, encoding: 'utf8' });
  for (let i = 0; i < 300 && docker('version').status !== 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 100));
  const loaded = docker(
    'load',
    '-i',
    process.env.MYDOCKER_BUSYBOX ?? join(projectRoot, '.lab', 'build', 'images', 'busybox.tar'),
  );
  if (loaded.status !== 0) {
    await stop();
    throw new Error(`the sandboxed dockerd did not load busybox: ${loaded.stderr}\n${log}`);
  }
  return { socket, stop };
}

let stopDockerd: (() => Promise<void>) | undefined;
let stopCrun: (() => void) | undefined;

async function main(): Promise<void> {
  await ensureBuilt('solutions');
  mkdirSync(env.DOCKER_CONFIG, { recursive: true });
  const daemon = spawn(
    process.execPath,
    [join(projectRoot, 'bin', 'mydocker.cjs'), 'daemon', '-H', `unix://${socket}`],
    {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    for (let i = 0; i < 300 && !existsSync(socket); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const bundle = busyboxBundle();
    const dockerdPeer = withoutDockerd ? undefined : await sandboxedDockerd(join(work, 'dockerd'));
    stopDockerd = dockerdPeer?.stop;
    const cli: [string, string[]][] = [
      [
        'mydocker run --rm (the CLI)',
        [
          process.execPath,
          join(projectRoot, 'bin', 'mydocker.cjs'),
          'run',
          '--rm',
          '--network',
          'none',
          'busybox',
          'true',
        ],
      ],
    ];
    if (existsSync(dockerCli))
      cli.push([
        'docker run --rm, to the daemon',
        [dockerCli, '-H', `unix://${socket}`, 'run', '--rm', '--network', 'none', 'busybox', 'true'],
      ]);
    else console.log(`docker's CLI is missing at ${dockerCli}: left out (sudo bash vm/provision.sh)`);
    if (dockerdPeer)
      cli.push([
        'docker run --rm, to dockerd',
        [dockerCli, '-H', `unix://${dockerdPeer.socket}`, 'run', '--rm', '--network', 'none', 'busybox', 'true'],
      ]);
    if (bundle && available('runc'))
      cli.push(['runc run', ['runc', 'run', '--bundle', bundle, `mydocker-bench-runc-${process.pid}`]]);
    else console.log('runc or /bin/busybox missing: runc is left out (sudo bash vm/provision.sh)');
    const crun = bundle && available('crun') ? crunPeer(bundle) : undefined;
    stopCrun = crun?.stop;
    if (!crun)
      console.log('crun or /bin/busybox missing: crun is left out (sudo bash vm/provision.sh --for-contributors)');
    const times = new Map<string, number[]>([
      ['warm path (create+start+wait)', []],
      ...cli.map(([name]): [string, number[]] => [name, []]),
      ...(crun
        ? [['crun run (its cgroup, v2)', []] as [string, number[]], ['crun run (no cgroups)', []] as [string, number[]]]
        : []),
    ]);
    await warmRun(); // the first imports busybox into the state root
    const listener = withListener ? listenToEvents() : undefined;
    for (const [, command] of cli) timeOnce(command);
    await crun?.time('run');
    await crun?.time('run-cgroup');
    for (let round = 0; round < runs; round++) {
      times.get('warm path (create+start+wait)')!.push(await warmRun());
      for (const [name, command] of cli) times.get(name)!.push(timeOnce(command));
      if (crun) times.get('crun run (its cgroup, v2)')!.push(await crun.time('run-cgroup'));
      if (crun) times.get('crun run (no cgroups)')!.push(await crun.time('run'));
    }
    const medians = new Map([...times].map(([name, values]) => [name, median(values)]));
    console.log(`\nNode ${process.version}, ${runs} rounds, medians:\n`);
    for (const [name, value] of medians) console.log(`  ${name.padEnd(34)} ${value.toFixed(1).padStart(7)} ms`);
    const warm = medians.get('warm path (create+start+wait)')!;
    const runc = medians.get('runc run');
    const throughDaemon = medians.get('docker run --rm, to the daemon');
    const throughDockerd = medians.get('docker run --rm, to dockerd');
    if (throughDaemon !== undefined && throughDockerd !== undefined)
      console.log(
        `\n  docker run, mydocker daemon / dockerd: ${(throughDaemon / throughDockerd).toFixed(2)} (target <= 0.5)`,
      );
    if (runc !== undefined) console.log(`\n  warm path / runc run: ${(warm / runc).toFixed(2)}`);
    const crunRun = medians.get('crun run (its cgroup, v2)');
    const crunBare = medians.get('crun run (no cgroups)');
    if (crunRun !== undefined) console.log(`  warm path / crun run: ${(warm / crunRun).toFixed(2)} (target <= 1)`);
    if (crunBare !== undefined) console.log(`  warm path / crun run without cgroups: ${(warm / crunBare).toFixed(2)}`);
    if (listener) console.log(`\n  events read by the listener meanwhile: ${listener.lines()}`);
    listener?.close();
  } finally {
    stopCrun?.();
    await stopDockerd?.();
    agent.destroy();
    daemon.kill('SIGTERM');
    await new Promise((resolve) => daemon.once('close', resolve));
  }
}

try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
