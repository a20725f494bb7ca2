// A published port two ways, measured in one run (chapter 6, "Publishing ports"): the kernel's DNAT
// (the runtime's way: port-rules.ts's rules, route_localnet for 127.0.0.1) against a userland proxy
// (docker-proxy's way: a process per published port that accepts on the host's port and copies
// bytes to the container's), with the container's own address as the peer of both. iperf3 (Debian)
// from a namespace playing another machine, TCP, one stream; each round runs the three in turn.
// The proxy is Node's (net.Socket.pipe), docker-proxy is Go's io.Copy: both copy through user space,
// which is what is measured, not the language.
// Everything happens in a network namespace of the bench's own (it re-runs itself under
// `unshare -n`), so the host's links and tables are never touched.
// Usage: node bench/port-proxy.ts [--runs 5] [--seconds 2]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { setUpNetworkRules } from '../solutions/src/network/iptables.ts';
import { bindingRules } from '../solutions/src/network/port-rules.ts';
import { restoreInput } from '../solutions/src/network/rules.ts';
import type { Endpoint, NetworkRecord } from '../solutions/src/network/types.ts';
import { ensureOwnNetns } from './own-netns.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 2;

// Checked against the namespace it was started in, not an inherited variable (bench/own-netns.ts).
ensureOwnNetns();

const processes: ChildProcess[] = [];
const sh = (command: string): string => execFileSync('sh', ['-c', command], { encoding: 'utf8' });
const network: NetworkRecord = {
  id: 'b'.repeat(64),
  name: 'bench',
  driver: 'bridge',
  bridge: 'mdbench0',
  subnet: '172.30.0.0/16',
  gateway: '172.30.0.1',
  created: '',
};
const endpoint: Endpoint = {
  network: 'bench',
  networkId: network.id,
  bridge: network.bridge,
  hostLink: 'vethbench',
  address: '172.30.0.2',
  prefix: 16,
  gateway: network.gateway,
  mac: '',
};

function namespace(): number {
  const child = spawn('unshare', ['-n', 'sleep', '600'], { stdio: 'ignore' });
  processes.push(child);
  return child.pid!;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

try {
  sh('ip link set lo up');
  const container = namespace();
  const upstream = namespace();
  sh(
    `ip link add ${network.bridge} type bridge && ip addr add 172.30.0.1/16 dev ${network.bridge} && ip link set ${network.bridge} up`,
  );
  sh(
    `ip link add ${endpoint.hostLink} type veth peer name eth0 netns ${container} && ip link set ${endpoint.hostLink} master ${network.bridge} up`,
  );
  sh(
    `nsenter -t ${container} -n sh -c 'ip link set lo up && ip addr add 172.30.0.2/16 dev eth0 && ip link set eth0 up && ip route add default via 172.30.0.1'`,
  );
  sh(
    `ip link add upstream0 type veth peer name eth0 netns ${upstream} && ip addr add 203.0.113.1/24 dev upstream0 && ip link set upstream0 up`,
  );
  // The upstream may reach the container's own address too (the peer of both ways): a route via the host.
  sh(
    `nsenter -t ${upstream} -n sh -c 'ip link set lo up && ip addr add 203.0.113.2/24 dev eth0 && ip link set eth0 up && ip route add 172.30.0.0/16 via 203.0.113.1'`,
  );
  setUpNetworkRules(network, []);
  const binding = { hostIp: '0.0.0.0', hostPort: 15201, containerPort: 5201, protocol: 'tcp' as const };
  execFileSync('iptables-restore', ['-w', '--noflush'], { input: restoreInput(bindingRules(binding, endpoint)) });
  // The filter accept for the route to the container's own address (not a published port's).
  sh(`iptables -A MYDOCKER-FORWARD -d 172.30.0.2/32 -o ${network.bridge} -p tcp -m tcp --dport 5201 -j ACCEPT`);

  const server = spawn('nsenter', ['-t', String(container), '-n', 'iperf3', '-s', '-p', '5201'], { stdio: 'ignore' });
  processes.push(server);
  // The userland proxy on the host's port 15202, as docker-proxy: accept, connect to the container, copy both ways.
  const proxy = createServer((client) => {
    const backend = createConnection({ host: endpoint.address, port: 5201 });
    client.pipe(backend).pipe(client);
    const close = (): void => {
      client.destroy();
      backend.destroy();
    };
    client.on('error', close);
    backend.on('error', close);
  });
  await new Promise<void>((resolve) => proxy.listen(15202, '203.0.113.1', resolve));

  const results = { own: [] as number[], dnat: [] as number[], proxy: [] as number[] };
  // The proxy runs in this process: iperf3 runs in a child, so the event loop is free while it does.
  const iperfAsync = (address: string, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = spawn('nsenter', [
        '-t',
        String(upstream),
        '-n',
        'iperf3',
        '-c',
        address,
        '-p',
        String(port),
        '-t',
        String(seconds),
        '-J',
      ]);
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', () => {
        try {
          resolve(
            (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received!
              .bits_per_second,
          );
        } catch (error) {
          reject(new Error(`iperf3 -c ${address} -p ${port}: ${out.slice(0, 300)}`, { cause: error }));
        }
      });
    });
  // A warm-up round, not counted (it also waits out iperf3 -s starting, under load).
  for (let tries = 0; ; tries++) {
    try {
      await iperfAsync(endpoint.address, 5201);
      break;
    } catch (error) {
      if (tries === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  for (let round = 0; round < runs; round++) {
    results.own.push(await iperfAsync(endpoint.address, 5201));
    results.dnat.push(await iperfAsync('203.0.113.1', 15201));
    results.proxy.push(await iperfAsync('203.0.113.1', 15202));
  }
  proxy.close();
  const gbit = (bits: number): string => `${(bits / 1e9).toFixed(2)} Gbit/s`;
  const [own, dnat, viaProxy] = [median(results.own), median(results.dnat), median(results.proxy)];
  process.stdout.write(
    [
      `iperf3, one TCP stream from another namespace, ${runs} rounds of ${seconds} s, medians:`,
      `  the container's own address:             ${gbit(own)}`,
      `  the published port, DNAT (the runtime):  ${gbit(dnat)}  ${(dnat / own).toFixed(2)}x`,
      `  the published port, a userland proxy:    ${gbit(viaProxy)}  ${(viaProxy / own).toFixed(2)}x`,
      `(load average ${sh('cut -d" " -f1-3 /proc/loadavg').trim()})`,
      '',
    ].join('\n'),
  );
} finally {
  for (const child of processes) child.kill('SIGKILL');
}
process.exit(0);
