// Run by test/runtime/netfilter.test.ts under `unshare -n`, never in the machine's own network
// namespace: this process's namespace plays the lab host. It makes two networks (a bridge each),
// three "containers" and an "upstream" (a `sleep` each in a network namespace of its own, joined by
// veths), sets up the networks' rules and one container's published port with the runtime's own
// functions, and sends real HTTP between them. It prints one JSON object: what each probe got.
// Every namespace it made goes with its processes, which it kills at the end.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeNetworkRules, setUpNetworkRules } from '../../solutions/src/network/iptables.ts';
import { publishPorts, unpublishPorts } from '../../solutions/src/network/ports.ts';
import type { Endpoint, NetworkRecord, PortBinding } from '../../solutions/src/network/types.ts';

if (readFileSync('/proc/self/net/dev', 'utf8').split('\n').length > 4)
  throw new Error('refusing to run: this network namespace has links besides lo (run me under unshare -n)');

const program = process.env.MYDOCKER_IPTABLES || 'iptables';
const processes: ChildProcess[] = [];
const sh = (command: string): string => execFileSync('sh', ['-c', command], { encoding: 'utf8' });

function network(name: string, bridge: string, subnet: string, gateway: string): NetworkRecord {
  return { id: name.padEnd(64, '0'), name, driver: 'bridge', bridge, subnet, gateway, created: '' };
}
const netA = network('aaaa', 'mdtest0', '172.30.0.0/16', '172.30.0.1');
const netB = network('bbbb', 'mdtest1', '10.99.0.0/24', '10.99.0.1');

/** A process in a network namespace of its own, its pid the namespace's handle (nsenter -t). */
function namespace(): number {
  const child = spawn('unshare', ['-n', 'sleep', '120'], { stdio: 'ignore' });
  processes.push(child);
  return child.pid!;
}

function bridge(net: NetworkRecord): void {
  sh(
    `ip link add ${net.bridge} type bridge && ip addr add ${net.gateway}/${net.subnet.split('/')[1]} dev ${net.bridge} && ip link set ${net.bridge} up`,
  );
}

/** A veth from this namespace (hostEnd, on `master` if given) to eth0 in pid's, with its address and route. */
function wire(pid: number, hostEnd: string, address: string, prefix: number, gateway: string, master?: string): void {
  sh(`ip link add ${hostEnd} type veth peer name eth0 netns ${pid}`);
  sh(master ? `ip link set ${hostEnd} master ${master} up` : `ip link set ${hostEnd} up`);
  // As the runtime's `attach` does: with br_netfilter, a DNAT back to the port it came from is
  // bridged, not routed, and a bridge sends a frame out of its own port only in hairpin mode.
  if (master && process.env.HAIRPIN !== 'off') sh(`ip link set ${hostEnd} type bridge_slave hairpin on`);
  const inside = `nsenter -t ${pid} -n`;
  sh(
    `${inside} ip link set lo up && ${inside} ip addr add ${address}/${prefix} dev eth0 && ${inside} ip link set eth0 up`,
  );
  sh(`${inside} ip route add default via ${gateway}`);
}

const server = `require('http').createServer((q, r) => r.end('source=' + q.socket.remoteAddress.replace('::ffff:', ''))).listen(Number(process.argv[1]), () => console.log('up'))`;
const client = `fetch(process.argv[1], { signal: AbortSignal.timeout(Number(process.argv[2])) }).then((r) => r.text(), (e) => 'error: ' + (e.cause?.code ?? e.name)).then((t) => console.log(t))`;

async function serve(pid: number | 'here', port: number): Promise<void> {
  const prefix = pid === 'here' ? [] : ['nsenter', '-t', String(pid), '-n'];
  const all = [...prefix, process.execPath, '-e', server, String(port)];
  const child = spawn(all[0]!, all.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  processes.push(child);
  await new Promise((resolve) => child.stdout!.once('data', resolve));
}

/**
 * GET from that namespace: up to 10 s for an answer that should come (it returns at the answer, so a
 * loaded machine costs nothing but time), 2 s for one that should not (`expectNone`).
 */
function get(pid: number | 'here', url: string, expectNone = false): string {
  const prefix = pid === 'here' ? '' : `nsenter -t ${pid} -n `;
  const limit = expectNone ? 2000 : 10_000;
  return sh(`${prefix}${JSON.stringify(process.execPath)} -e ${JSON.stringify(client)} ${url} ${limit}`).trim();
}

function save(): string {
  return sh(`${program}-save`)
    .split('\n')
    .filter((line) => /MYDOCKER/.test(line) && !line.startsWith('#'))
    .join('\n');
}

const root = mkdtempSync(join(tmpdir(), 'netfilter-scenario-'));
const results: Record<string, unknown> = {};
try {
  sh('ip link set lo up');
  const [c1, c2, c3, upstream] = [namespace(), namespace(), namespace(), namespace()];
  bridge(netA);
  bridge(netB);
  wire(c1, 'vethc1', '172.30.0.2', 16, netA.gateway, netA.bridge);
  wire(c2, 'vethc2', '172.30.0.3', 16, netA.gateway, netA.bridge);
  wire(c3, 'vethc3', '10.99.0.2', 24, netB.gateway, netB.bridge);
  sh(
    `ip link add upstream0 type veth peer name eth0 netns ${upstream} && ip addr add 203.0.113.1/24 dev upstream0 && ip link set upstream0 up`,
  );
  sh(
    `nsenter -t ${upstream} -n sh -c 'ip link set lo up && ip addr add 203.0.113.2/24 dev eth0 && ip link set eth0 up'`,
  );

  setUpNetworkRules(netA, []);
  setUpNetworkRules(netB, [netA]);
  const once = save();
  setUpNetworkRules(netA, [netB]); // a second set-up (another boot's `ready` missing) adds nothing
  results.idempotent = save() === once;
  // A host with a firewall (or docker): nothing is forwarded that the runtime's rules do not accept.
  sh(`${program} -P FORWARD DROP`);
  results.forwarding = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  results.routeLocalnet = readFileSync(`/proc/sys/net/ipv4/conf/${netA.bridge}/route_localnet`, 'utf8').trim();

  const id = 'c1'.padEnd(64, 'f');
  sh(`mkdir -p ${root}/containers/${id}`);
  const endpoint: Endpoint = {
    network: netA.name,
    networkId: netA.id,
    bridge: netA.bridge,
    hostLink: 'vethc1',
    address: '172.30.0.2',
    prefix: 16,
    gateway: netA.gateway,
    mac: '',
  };
  const bindings: PortBinding[] = [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
  const steps = publishPorts(root, id, bindings, endpoint);
  results.steps = steps;
  const add = steps.created[0]!;
  if (add.op !== 'restore-rules') throw new Error('expected restore-rules');
  execFileSync(add.program, ['-w', '--noflush'], { input: readFileSync(add.file) });
  results.published = save();

  await Promise.all([serve(c1, 80), serve(c2, 80), serve(c3, 80), serve(upstream, 80), serve(upstream, 8080)]);
  results.probes = {
    'c1 -> upstream': get(c1, 'http://203.0.113.2/'),
    'c2 -> c1': get(c2, 'http://172.30.0.2/'),
    'c3 -> c1 (another network)': get(c3, 'http://172.30.0.2/', true),
    'c1 -> c3 (another network)': get(c1, 'http://10.99.0.2/', true),
    'upstream -> published': get(upstream, 'http://203.0.113.1:8080/'),
    'upstream -> c1 unpublished': get(upstream, 'http://172.30.0.2/', true),
    'host -> 127.0.0.1 published': get('here', 'http://127.0.0.1:8080/'),
    'host -> own address published': get('here', 'http://203.0.113.1:8080/'),
    'host -> upstream:8080': get('here', 'http://203.0.113.2:8080/'),
    'c1 -> itself through the host (hairpin)': get(c1, 'http://203.0.113.1:8080/'),
    'c2 -> c1 through the host': get(c2, 'http://203.0.113.1:8080/'),
  };

  // The shim's `ended` ops, as it runs them; then the next command's clean-up finds nothing left.
  for (const step of steps.ended) {
    if (step.op === 'restore-rules')
      execFileSync(step.program, ['-w', '--noflush'], { input: readFileSync(step.file) });
    if (step.op === 'unlink') rmSync(step.path);
  }
  results.ended = save();
  unpublishPorts(root, { id, network: { ports: bindings } });
  writeFileSync(join(root, 'ports', `tcp-0.0.0.0-8080`), `${id}\n`); // as after a kill -9 of the shim
  execFileSync(add.program, ['-w', '--noflush'], { input: readFileSync(add.file) });
  unpublishPorts(root, { id, network: { ports: bindings } });
  results.afterCrash = save() === results.ended ? 'clean' : save();
  results.reservations = sh(`ls ${root}/ports`).trim();
  removeNetworkRules(netB);
  results.afterNetworkRm = save();
} finally {
  for (const child of processes) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
