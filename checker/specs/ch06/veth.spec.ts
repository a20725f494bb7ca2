// Lab ch6-veth: a veth pair per container, its host end a port of the network's bridge, its peer the
// container's eth0 with the address IPAM gave it, lo and eth0 up, the default route via the gateway.
// Then docker's other modes: none (lo only), host (the lab host's links), container:X (X's eth0), and
// user networks (names in /etc/hosts). Every probe runs the host's
// ip and node inside the namespace it looks at (checker/harness/network.ts), never the container's
// busybox, but for the name lookup, which is the container's own /etc/hosts at work.
import { readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { ANSWER_MS, detachSleeper, endpointOf } from '../../harness/network-containers.ts';
import { addresses, httpGet, routes, serveHttp, type IpAddrEntry } from '../../harness/network.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';
import type { Endpoint } from '../../../solutions/src/network/types.ts';

type VethModule = typeof import('../../../solutions/src/network/veth.ts');

const ENDPOINT: Endpoint = {
  network: 'bridge',
  networkId: 'f'.repeat(64),
  bridge: 'mydocker0',
  hostLink: 'veth0123456789a',
  address: '172.17.0.5',
  prefix: 16,
  gateway: '172.17.0.1',
  mac: '02:42:ac:11:00:05',
};

async function removeAll(mydocker: Mydocker, ...names: string[]): Promise<void> {
  if (names.length > 0) await mydocker.run(['rm', '-f', ...names]);
}

const link = (entries: IpAddrEntry[], name: string) => entries.find((entry) => entry.ifname === name);
const inet = (entry: IpAddrEntry | undefined) =>
  (entry?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);

/** The inode of a process's network namespace, as /proc/<pid>/ns/net names it. */
const netns = (pid: number): string => readlinkSync(`/proc/${pid}/ns/net`);

interface HostEnd {
  master?: string;
  flags: string[];
  linkinfo?: { info_slave_data?: { hairpin?: boolean } };
}

async function labHostLink(host: LabHost, name: string): Promise<HostEnd | undefined> {
  const result = await host.exec(['ip', '-j', '-d', 'link', 'show', 'dev', name]);
  if (result.exitCode !== 0) return undefined;
  return (JSON.parse(String(result.stdout)) as HostEnd[])[0];
}

describeLab('ch6-veth', (check) => {
  check(
    'configureInterfaces brings lo up, and without an endpoint (--network none) does nothing else',
    { hint: 1 },
    async () => {
      const { configureInterfaces } = await importTarget<VethModule>('network/veth.ts');
      const kernel = new FakeKernel();
      configureInterfaces(kernel, undefined);
      expect(kernel.calls, 'the steps recorded for --network none').toEqual(['link-up lo']);
    },
  );

  check(
    'hostSide makes the pair (its peer eth0, with the MAC) and puts the host end on the bridge',
    { hint: 2 },
    async () => {
      const { hostSide } = await importTarget<VethModule>('network/veth.ts');
      expect(hostSide(ENDPOINT), `the host steps for ${JSON.stringify(ENDPOINT)}`).toEqual([
        { op: 'veth', link: ENDPOINT.hostLink, peer: 'eth0', mac: ENDPOINT.mac },
        { op: 'attach', link: ENDPOINT.hostLink, bridge: ENDPOINT.bridge },
      ]);
    },
  );

  check(
    "configureInterfaces gives eth0 its address with the subnet's prefix, and the route comes after eth0 is up",
    { hint: 2 },
    async () => {
      const { configureInterfaces } = await importTarget<VethModule>('network/veth.ts');
      const kernel = new FakeKernel();
      configureInterfaces(kernel, ENDPOINT);
      const calls = kernel.calls;
      expect(calls, 'the steps recorded').toEqual(
        expect.arrayContaining(['link-up lo', 'addr eth0 172.17.0.5/16', 'link-up eth0', 'route eth0 172.17.0.1']),
      );
      const at = (call: string) => calls.indexOf(call);
      expect(
        at('route eth0 172.17.0.1') > at('link-up eth0') && at('route eth0 172.17.0.1') > at('addr eth0 172.17.0.5/16'),
        `the order of ${JSON.stringify(calls)}: the kernel refuses a route whose gateway no connected route reaches (ENETUNREACH), and a link that is down has none`,
      ).toBe(true);
    },
  );

  check(
    'inside, eth0 has the address, prefix and MAC of config.json, lo and eth0 are up, and the default route goes via the gateway',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const container = await detachSleeper(mydocker, 'one');
      try {
        const endpoint = endpointOf(container);
        const inside = await addresses(host, { pid: container.pid });
        const eth0 = link(inside, 'eth0');
        expect(inside.map((entry) => entry.ifname).sort(), "the container's links (ip addr, in its netns)").toEqual([
          'eth0',
          'lo',
        ]);
        expect(link(inside, 'lo')?.flags, 'the flags of lo').toContain('UP');
        expect(eth0?.flags, 'the flags of eth0').toContain('UP');
        expect(inet(eth0), "eth0's IPv4 addresses").toEqual([`${endpoint.address}/${endpoint.prefix}`]);
        expect(eth0?.address, "eth0's MAC").toBe(endpoint.mac);
        const route = (await routes(host, { pid: container.pid })).find((candidate) => candidate.dst === 'default');
        expect(route, "the container's default route (ip route, in its netns)").toMatchObject({
          gateway: endpoint.gateway,
          dev: 'eth0',
        });
        const hosts = readFileSync(join(mydocker.containerDir(container.id), 'hosts'), 'utf8');
        expect(hosts, 'its /etc/hosts: its own name at its address').toContain(
          `${endpoint.address}\t${container.id.slice(0, 12)}\n`,
        );
        const hostEnd = await labHostLink(host, endpoint.hostLink);
        expect(hostEnd?.master, `the lab host's end ${endpoint.hostLink}: a port of ${endpoint.bridge}`).toBe(
          endpoint.bridge,
        );
        expect(hostEnd?.flags, `the flags of ${endpoint.hostLink}`).toContain('UP');
        // for hairpin NAT (a container to its own published port) while br_netfilter sees bridged frames
        expect(hostEnd?.linkinfo?.info_slave_data?.hairpin, `hairpin mode on the port ${endpoint.hostLink}`).toBe(true);
      } finally {
        await removeAll(mydocker, 'one');
      }
    },
  );

  check(
    'TCP both ways between the lab host and a container, through the bridge',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const container = await detachSleeper(mydocker, 'web');
      const endpoint = endpointOf(container);
      const inContainer = await serveHttp(host, { pid: container.pid }, 8080);
      const onLabHost = await serveHttp(host, 'lab-host', 8081, endpoint.gateway);
      try {
        const toContainer = await httpGet(host, 'lab-host', `http://${endpoint.address}:8080/`, ANSWER_MS);
        expect(
          toContainer,
          `GET http://${endpoint.address}:8080/ from the lab host: ${toContainer.error ?? 'answered'}`,
        ).toMatchObject({
          ok: true,
          body: `source=${endpoint.gateway}\n`,
        });
        const toGateway = await httpGet(host, { pid: container.pid }, `http://${endpoint.gateway}:8081/`, ANSWER_MS);
        expect(
          toGateway,
          `GET http://${endpoint.gateway}:8081/ from the container: ${toGateway.error ?? 'answered'}`,
        ).toMatchObject({
          ok: true,
          body: `source=${endpoint.address}\n`,
        });
      } finally {
        await inContainer.close();
        await onLabHost.close();
        await removeAll(mydocker, 'web');
      }
    },
  );

  check('two containers on one network exchange TCP', { hint: 2 }, async ({ host, mydocker }) => {
    const server = await detachSleeper(mydocker, 'server');
    const client = await detachSleeper(mydocker, 'client');
    const http = await serveHttp(host, { pid: server.pid }, 8080);
    try {
      const address = endpointOf(server).address;
      const answer = await httpGet(host, { pid: client.pid }, `http://${address}:8080/`, ANSWER_MS);
      expect(
        answer,
        `GET http://${address}:8080/ from the other container: ${answer.error ?? 'answered'}`,
      ).toMatchObject({
        ok: true,
        body: `source=${endpointOf(client).address}\n`,
      });
    } finally {
      await http.close();
      await removeAll(mydocker, 'server', 'client');
    }
  });

  check(
    'a container started again (mydocker start) has its address and its link back',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const first = await detachSleeper(mydocker, 'again');
      try {
        expectExitCode(await mydocker.run(['stop', '-t', '0', 'again']), 0);
        const started = await mydocker.run(['start', 'again']);
        expectExitCode(started, 0);
        const state = mydocker.states().find((candidate) => candidate.name === 'again');
        expect(state?.status, `${describeRun(started)}\nthe container's status`).toBe('running');
        const eth0 = link(await addresses(host, { pid: state!.pid! }), 'eth0');
        expect(inet(eth0), 'its eth0 after the start').toEqual([
          `${endpointOf(first).address}/${endpointOf(first).prefix}`,
        ]);
      } finally {
        await removeAll(mydocker, 'again');
      }
    },
  );

  check(
    '--network none: a namespace of its own with only lo, up, and no route',
    { hint: 1 },
    async ({ host, mydocker }) => {
      const container = await detachSleeper(mydocker, 'alone', ['--network', 'none']);
      try {
        const inside = await addresses(host, { pid: container.pid });
        expect(netns(container.pid), 'its network namespace').not.toBe(netns(host.anchorPid));
        expect(
          inside.map((entry) => entry.ifname),
          'its links',
        ).toEqual(['lo']);
        expect(link(inside, 'lo')?.flags, 'the flags of lo').toContain('UP');
        expect(await routes(host, { pid: container.pid }), 'its routes').toEqual([]);
      } finally {
        await removeAll(mydocker, 'alone');
      }
    },
  );

  // Issue 13: lo up in every network namespace the runtime makes, the pseudo-image 'host' of
  // chapters 1 and 2 among them (its set-up has no rootfs, but it has its own network namespace).
  check(
    "lo is up with 127.0.0.1/8 in every namespace of its own: --network none, and the pseudo-image 'host'",
    { hint: 1 },
    async ({ host, mydocker }) => {
      for (const [image, options] of [
        ['busybox', ['--network', 'none']],
        ['host', ['--network', 'none']],
        ['host', []],
      ] as const) {
        const container = await mydocker.hold(['--rm', ...options], 'true', image);
        try {
          const lo = link(await addresses(host, { pid: container.pid }), 'lo');
          const what = `lo in \`${container.command}\` (ip addr in its network namespace)`;
          expect(lo?.flags, `${what}: a new namespace's loopback is down until the container brings it up`).toContain(
            'UP',
          );
          expect(
            lo?.addr_info
              .filter((entry) => entry.family === 'inet')
              .map((entry) => `${entry.local}/${entry.prefixlen}`),
            `${what}: its address, which the kernel gives it once it is up`,
          ).toEqual(['127.0.0.1/8']);
        } finally {
          await container.release();
        }
      }
    },
  );

  check("--network host: the lab host's own namespace and links", { hint: 1 }, async ({ host, mydocker }) => {
    const container = await detachSleeper(mydocker, 'on-host', ['--network', 'host']);
    try {
      expect(netns(container.pid), "its network namespace, against the lab host's").toBe(netns(host.anchorPid));
      const names = (entries: IpAddrEntry[]) => entries.map((entry) => entry.ifname).sort();
      expect(names(await addresses(host, { pid: container.pid })), 'its links').toEqual(
        names(await addresses(host, 'lab-host')),
      );
    } finally {
      await removeAll(mydocker, 'on-host');
    }
  });

  check("--network container:X: X's namespace, with X's eth0 and address", { hint: 1 }, async ({ host, mydocker }) => {
    const first = await detachSleeper(mydocker, 'first');
    const second = await detachSleeper(mydocker, 'second', ['--network', 'container:first']);
    try {
      expect(netns(second.pid), "its network namespace, against first's").toBe(netns(first.pid));
      expect(inet(link(await addresses(host, { pid: second.pid }), 'eth0')), 'its eth0').toEqual([
        `${endpointOf(first).address}/${endpointOf(first).prefix}`,
      ]);
    } finally {
      await removeAll(mydocker, 'second', 'first');
    }
  });

  // (That two networks do not reach each other is lab ch6-nat's isolation: checker/specs/ch06/nat.spec.ts.)
  check(
    'on a user network the containers reach each other by name (/etc/hosts)',
    { hint: 2 },
    async ({ host, mydocker }) => {
      expectExitCode(await mydocker.run(['network', 'create', '--subnet', '10.98.1.0/24', 'front']), 0);
      try {
        const server = await detachSleeper(mydocker, 'api', ['--network', 'front']);
        const http = await serveHttp(host, { pid: server.pid }, 8080);
        try {
          const byName = await mydocker.run([
            'run',
            '--rm',
            '--network',
            'front',
            'busybox',
            // busybox's wget -T crashes (1.35, SIGSEGV): its timeout applet bounds the wait instead
            'timeout',
            '10',
            'wget',
            '-q',
            '-O',
            '-',
            'http://api:8080/',
          ]);
          expect(
            byName.stdout,
            `${describeRun(byName)}\nthe answer to http://api:8080/ from a container on front`,
          ).toMatch(/^source=10\.98\.1\.\d+\n$/);
        } finally {
          await http.close();
          await removeAll(mydocker, 'api');
        }
      } finally {
        await mydocker.run(['network', 'rm', 'front']);
      }
    },
  );

  // Issue 11: `rm` wrote the peers' files again, but a --rm container's entry is removed by its shim
  // (or by the next command, when the shim was killed), and its name stayed in its peers' files.
  check(
    "a --rm container's name leaves its peers' /etc/hosts when it ends: in the foreground, detached, and after kill -9 of its shim",
    { hint: 2, timeout: scaled(60_000) },
    async ({ mydocker }) => {
      expectExitCode(await mydocker.run(['network', 'create', '--subnet', '10.98.2.0/24', 'names']), 0);
      const made: string[] = [];
      try {
        // Held first: the harness's hold finds its container as the one running.
        const brief = await mydocker.hold(['--rm', '--name', 'brief', '--network', 'names'], 'true', 'busybox');
        made.push('brief');
        const peer = await detachSleeper(mydocker, 'peer', ['--network', 'names']);
        made.push('peer');
        const peerHosts = () => readFileSync(join(mydocker.containerDir(peer.id), 'hosts'), 'utf8');
        const expectNamed = (name: string, named: boolean, when: string, hosts = peerHosts()) =>
          expect(
            hosts.split('\n').some((line) => line.split(/\s+/).slice(1).includes(name)),
            `${when}, peer's /etc/hosts names ${name}:\n${hosts}`,
          ).toBe(named);

        expectNamed('brief', true, 'while `run --rm --name brief` runs');
        expectExitCode(await brief.release(), 0);
        expectNamed('brief', false, 'once `run --rm --name brief` has returned');

        const detached = await detachSleeper(mydocker, 'detached', ['--rm', '--network', 'names']);
        made.push('detached'); // for the finally below, if a check fails before it has gone
        expectNamed('detached', true, 'while `run -d --rm --name detached` runs');
        await mydocker.endByItself(detached.id);
        expectNamed('detached', false, 'once its PID 1 was killed and its shim has ended');
        const inside = await mydocker.run(['exec', 'peer', 'cat', '/etc/hosts']);
        expectExitCode(inside, 0);
        expectNamed('detached', false, 'read with `mydocker exec peer cat /etc/hosts`', inside.stdout);

        const crashed = await detachSleeper(mydocker, 'crashed', ['--rm', '--network', 'names']);
        made.push('crashed'); // for the finally below, if a check fails before it has gone
        expectNamed('crashed', true, 'while `run -d --rm --name crashed` runs');
        await mydocker.crash(crashed.id);
        expectExitCode(await mydocker.run(['ps', '-a']), 0);
        expectNamed('crashed', false, 'after kill -9 of its shim and its PID 1, then `mydocker ps -a`');
      } finally {
        await removeAll(mydocker, ...made);
        await mydocker.run(['network', 'rm', 'names']);
      }
    },
  );
});
