// Chapter 6's figures (issue 11), measured in one run, all inside a network namespace of the bench's
// own (it re-runs itself under `unshare -n`), which plays the host; traffic never leaves it.
//   1. start cost: `run --rm busybox true` on the default bridge network against `--network none`,
//      interleaved rounds, medians (budget: +10 ms);
//   2. TCP throughput (iperf3, the host's binary in each namespace, by nsenter): a container to the
//      host over its veth and the bridge, against a bare veth pair between two namespaces (>= 0.9x);
//      the host to a published port, against the container's own address (>= 0.9x);
//   3. 50 containers started in parallel on one network: 50 distinct addresses, and every one
//      reaches every other one over TCP (HTTP).
// Usage: npm run bench:network [-- --runs 20 --rounds 5 --seconds 2 --containers 50 --only start|throughput|parallel]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, projectRoot } from '../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../test/support/cgroup-parent.ts';
import { ensureOwnNetns } from './own-netns.ts';

ensureOwnNetns();

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return (at >= 0 && Number(process.argv[at + 1])) || fallback;
}
const runs = option('runs', 20);
const rounds = option('rounds', 5);
const seconds = option('seconds', 2);
const count = option('containers', 50);
/** --only start|throughput|parallel: one part alone. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const part = (name: string): boolean => only === undefined || only === name;

const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-network-'));
const cgroupParent = testCgroupParent('bench-network');
const env = {
  ...process.env,
  MYDOCKER_SOURCE: 'solutions',
  MYDOCKER_ROOT: join(work, 'state'),
  MYDOCKER_CGROUP_PARENT: cgroupParent,
};
const mydockerBin = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs')];
/** The host's uplink here, with an address of TEST-NET-2: the host's own address for -p. */
const UPLINK = { name: 'uplink0', address: '198.51.100.1' };
const held: ChildProcess[] = [];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function must(command: string, args: readonly string[], input?: string): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env,
    input,
    stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

function mydocker(...args: string[]): string {
  return must(mydockerBin[0]!, [...mydockerBin.slice(1), ...args]).trim();
}

function timed(args: string[]): number {
  const start = process.hrtime.bigint();
  mydocker(...args);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A process in a network namespace of its own (lo up), held until the bench ends. */
function namespace(): number {
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 3600'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  held.push(child);
  const deadline = Date.now() + 5000;
  while (readNetns(child.pid!) === readNetns('self')) {
    if (Date.now() > deadline) throw new Error('unshare --net did not make a namespace');
    spawnSync('sleep', ['0.01']);
  }
  spawnSync('nsenter', ['-n', '-t', String(child.pid), 'ip', 'link', 'set', 'lo', 'up']);
  return child.pid!;
}

function readNetns(pid: number | 'self'): string {
  return readlinkSync(`/proc/${pid}/ns/net`);
}

/** A container's PID 1 (host view) and its address, as its state shows them. */
function container(id: string): { pid: number; address: string } {
  const dir = join(env.MYDOCKER_ROOT, 'containers', id);
  const { pid } = JSON.parse(readFileSync(join(dir, 'running.json'), 'utf8')) as { pid: number };
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
    network?: { endpoint?: { address: string; gateway: string } };
  };
  const address = config.network?.endpoint?.address;
  if (!address) throw new Error(`container ${id.slice(0, 12)} has no address in its config.json`);
  return { pid, address };
}

function startCost(): string[] {
  const variants = {
    bridge: ['run', '--rm', 'busybox', 'true'],
    none: ['run', '--rm', '--network', 'none', 'busybox', 'true'],
  };
  const times = { bridge: [] as number[], none: [] as number[] };
  for (const args of Object.values(variants)) timed(args); // warm up; the default network is made here
  for (let round = 0; round < runs; round++)
    for (const [name, args] of Object.entries(variants)) times[name as 'bridge'].push(timed(args));
  const bridge = median(times.bridge);
  const none = median(times.none);
  return [
    `start, \`run --rm busybox true\` (medians of ${runs} interleaved rounds):`,
    `  --network none ${none.toFixed(1)} ms, the default bridge network ${bridge.toFixed(1)} ms: +${(bridge - none).toFixed(1)} ms (budget: +10 ms)`,
  ];
}

/** iperf3's server in the namespace of `pid` (or here), bound to address:port, until the bench ends. */
function iperfServer(pid: number | undefined, address: string, port: number): void {
  const command = ['iperf3', '-s', '-B', address, '-p', String(port)];
  const full = pid === undefined ? command : ['nsenter', '-n', '-t', String(pid), '--', ...command];
  held.push(spawn(full[0]!, full.slice(1), { stdio: 'ignore' }));
  spawnSync('sleep', ['0.3']); // its listen(2)
}

/** Gbit/s received, from a client in the namespace of `pid` (or here). */
function iperfClient(pid: number | undefined, address: string, port: number): number {
  const command = ['iperf3', '-c', address, '-p', String(port), '-t', String(seconds), '-J'];
  const full = pid === undefined ? command : ['nsenter', '-n', '-t', String(pid), '--', ...command];
  for (let attempt = 0; ; attempt++) {
    const result = spawnSync(full[0]!, full.slice(1), { encoding: 'utf8' });
    const report = JSON.parse(result.stdout || '{}') as {
      end?: { sum_received?: { bits_per_second: number } };
      error?: string;
    };
    if (report.end?.sum_received) return report.end.sum_received.bits_per_second / 1e9;
    // "the server is busy running a test": the previous client's end, not yet seen by the server.
    if (attempt >= 5) throw new Error(`iperf3 -c ${address}:${port} failed: ${report.error ?? result.stderr}`);
    spawnSync('sleep', ['0.2']);
  }
}

function throughput(): string[] {
  // A bare veth pair between two namespaces: the floor of any veth path.
  const a = namespace();
  const b = namespace();
  must('ip', [
    'link',
    'add',
    'vbench0',
    'netns',
    String(a),
    'type',
    'veth',
    'peer',
    'name',
    'vbench1',
    'netns',
    String(b),
  ]);
  must(
    'nsenter',
    ['-n', '-t', String(a), 'ip', '-batch', '-'],
    'addr add 10.200.0.1/24 dev vbench0\nlink set vbench0 up\n',
  );
  must(
    'nsenter',
    ['-n', '-t', String(b), 'ip', '-batch', '-'],
    'addr add 10.200.0.2/24 dev vbench1\nlink set vbench1 up\n',
  );
  iperfServer(a, '10.200.0.1', 5201);
  // The same bare pair, but into the host's namespace, with the host's netfilter and conntrack in the
  // path (the runtime's nat table is loaded there): what the bridge itself costs, apart from them.
  const c = namespace();
  must('ip', ['link', 'add', 'vbench2', 'type', 'veth', 'peer', 'name', 'vbench3', 'netns', String(c)]);
  must('ip', ['-batch', '-'], 'addr add 10.201.0.1/24 dev vbench2\nlink set vbench2 up\n');
  must(
    'nsenter',
    ['-n', '-t', String(c), 'ip', '-batch', '-'],
    'addr add 10.201.0.2/24 dev vbench3\nlink set vbench3 up\n',
  );
  iperfServer(undefined, '10.201.0.1', 5401);
  // The host's uplink, whose address a published port answers on: a veth to a namespace playing the
  // world outside (the kernel here may lack the dummy driver).
  const outside = namespace();
  must('ip', ['link', 'add', UPLINK.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(outside)]);
  must('ip', ['-batch', '-'], `addr add ${UPLINK.address}/24 dev ${UPLINK.name}\nlink set ${UPLINK.name} up\n`);
  must(
    'nsenter',
    ['-n', '-t', String(outside), 'ip', '-batch', '-'],
    'addr add 198.51.100.2/24 dev eth0\nlink set eth0 up\n',
  );
  // One container on the default network, publishing 5201 on the host's 15201; its PID 1 just waits.
  const id = mydocker('run', '-d', '-p', '15201:5201', 'busybox', 'sleep', '3600');
  const { pid, address } = container(id);
  const gateway = (
    JSON.parse(readFileSync(join(env.MYDOCKER_ROOT, 'containers', id, 'config.json'), 'utf8')) as {
      network: { endpoint: { gateway: string } };
    }
  ).network.endpoint.gateway;
  iperfServer(undefined, gateway, 5301); // the host, on the bridge's address
  iperfServer(pid, '0.0.0.0', 5201); // in the container
  const variants: Record<string, () => number> = {
    'bare veth pair, namespace to namespace': () => iperfClient(b, '10.200.0.1', 5201),
    'namespace to the host, bare veth': () => iperfClient(c, '10.201.0.1', 5401),
    'container to the host, veth + bridge': () => iperfClient(pid, gateway, 5301),
    "host to the container's own address": () => iperfClient(undefined, address, 5201),
    'host to the published port (DNAT)': () => iperfClient(undefined, UPLINK.address, 15201),
  };
  const samples = new Map(Object.keys(variants).map((name) => [name, [] as number[]]));
  for (let round = 0; round < rounds; round++)
    for (const [name, measure] of Object.entries(variants)) samples.get(name)!.push(measure());
  const medians = new Map([...samples].map(([name, values]) => [name, median(values)]));
  mydocker('rm', '-f', id);
  const ratio = (x: string, y: string) => (medians.get(x)! / medians.get(y)!).toFixed(2);
  return [
    `TCP throughput, iperf3 -t ${seconds} (medians of ${rounds} interleaved rounds):`,
    ...[...medians].map(([name, value]) => `  ${name.padEnd(42)} ${value.toFixed(1).padStart(6)} Gbit/s`),
    `  veth + bridge / bare veth:         ${ratio('container to the host, veth + bridge', 'bare veth pair, namespace to namespace')}x (budget: >= 0.9x)`,
    `  (veth + bridge / bare veth into the host: ${ratio('container to the host, veth + bridge', 'namespace to the host, bare veth')}x, the bridge alone)`,
    `  published port / own address:      ${ratio('host to the published port (DNAT)', "host to the container's own address")}x (budget: >= 0.9x)`,
  ];
}

/** `count` containers started at once on one network; each one's HTTP server answers every other. */
async function parallel(): Promise<string[]> {
  mydocker('network', 'create', 'bench-many');
  const start = process.hrtime.bigint();
  const ids = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(
            mydockerBin[0]!,
            [
              ...mydockerBin.slice(1),
              'run',
              '-d',
              '--name',
              `many-${i}`,
              '--network',
              'bench-many',
              'busybox',
              'sh',
              '-c',
              // httpd forks per connection: 49 peers may ask at once.
              'mkdir /www && echo x > /www/x && exec httpd -f -p 80 -h /www',
            ],
            { env, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let out = '';
          let err = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
          child.on('close', (code) =>
            code === 0 ? resolve(out.trim()) : reject(new Error(`run ${i} failed (${code}): ${err}`)),
          );
        }),
    ),
  );
  const startMs = Number(process.hrtime.bigint() - start) / 1e6;
  const members = ids.map(container);
  const distinct = new Set(members.map((m) => m.address)).size;
  // From each container's namespace, the host's busybox fetches a file from every other one's httpd.
  const all = members.map((m) => m.address).join(' ');
  const misses = await Promise.all(
    members.map(
      (member) =>
        new Promise<string[]>((resolve) => {
          // Three tries each: busybox httpd listens with a backlog of 9, and 49 peers asking at once
          // overflow it (a dropped SYN is sent again 1 s, then 3 s later): reachability is the figure.
          const get = `[ "$(printf 'GET /x HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 5 $a 80 2>/dev/null | tail -n 1)" = x ]`;
          const script = `for a in ${all}; do [ "$a" = ${member.address} ] && continue; ${get} || ${get} || ${get} || echo "$a"; done`;
          const child = spawn('nsenter', ['-n', '-t', String(member.pid), '--', 'busybox', 'sh', '-c', script], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
          child.on('close', () =>
            resolve(
              out
                .split('\n')
                .filter(Boolean)
                .map((to) => `${member.address} -> ${to}`),
            ),
          );
        }),
    ),
  );
  const failed = misses.flat();
  // The pairs that failed while all 50 asked at once, asked again one at a time: a pair that answers
  // now was reachable (the burst overflowed a backlog or an ARP queue); one that does not, is not.
  const byAddress = new Map(members.map((m) => [m.address, m.pid]));
  const unreached = failed.filter((pair) => {
    const [from, to] = pair.split(' -> ') as [string, string];
    const get = spawnSync(
      'nsenter',
      [
        '-n',
        '-t',
        String(byAddress.get(from)),
        '--',
        'busybox',
        'sh',
        '-c',
        `printf 'GET /x HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 5 ${to} 80 | tail -n 1`,
      ],
      { encoding: 'utf8' },
    );
    return get.stdout.trim() !== 'x';
  });
  mydocker('rm', '-f', ...ids);
  mydocker('network', 'rm', 'bench-many');
  const pairs = count * (count - 1);
  return [
    `${count} containers started at once on one network (${startMs.toFixed(0)} ms for all):`,
    `  ${distinct} distinct addresses; ${pairs - failed.length} of ${pairs} pairs fetched a file over HTTP in the burst (3 tries each),`,
    `  ${failed.length - unreached.length} more when asked again one at a time; ${unreached.length} unreached`,
    ...unreached.slice(0, 10).map((miss) => `  unreached: ${miss}`),
  ];
}

try {
  await ensureBuilt('solutions');
  console.log(`Node ${process.version}, in a network namespace of the bench's own\n`);
  if (part('start')) for (const line of [...startCost(), '']) console.log(line);
  if (part('throughput')) for (const line of [...throughput(), '']) console.log(line);
  if (part('parallel')) for (const line of await parallel()) console.log(line);
} finally {
  for (const child of held) child.kill('SIGKILL');
  // Containers a failed step left: their processes outlive the bench's namespace otherwise.
  const containers = join(env.MYDOCKER_ROOT, 'containers');
  const left = existsSync(containers) ? readdirSync(containers).filter((id) => !id.startsWith('.')) : [];
  if (left.length > 0)
    spawnSync(mydockerBin[0]!, [...mydockerBin.slice(1), 'rm', '-f', ...left], { env, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
  removeCgroupParent(cgroupParent);
}
