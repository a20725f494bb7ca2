// The checker's network probes and the upstream namespace, without the runtime: a "container" here is a
// process in a network namespace of its own (unshare -n, inside the lab host) joined to the lab host by
// a veth, as chapter 6's runtime joins one. All traffic stays between these namespaces.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { LabHost } from '../../checker/harness/labhost.ts';
import { Mydocker } from '../../checker/harness/mydocker.ts';
import {
  addresses,
  httpGet,
  routes,
  serveHttp,
  Upstream,
  UPSTREAM,
  UPSTREAM_LINK,
  waitNoVeth,
} from '../../checker/harness/network.ts';
import { classifyRule, networkChanges, staleReservations } from '../../checker/harness/network-leaks.ts';
import { findLeaks, snapshot } from '../../checker/harness/suite.ts';
import { scaled } from '../../checker/harness/timing.ts';

const isRoot = process.getuid?.() === 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A process in a new network namespace inside the lab host, with eth0 10.99.0.2/24 via vethfake0. */
async function fakeContainer(host: LabHost, hostLink = 'vethfake0'): Promise<{ pid: number; process: ResultPromise }> {
  const process = host.exec([
    'unshare',
    '--net',
    '--',
    'sh',
    '-c',
    'ip link set lo up && echo ready && exec sleep infinity',
  ]);
  await new Promise<void>((resolve) => process.stdout?.once('data', () => resolve()));
  const pid = process.pid!;
  const inLabHost = await host.exec(['ip', '-batch', '-'], {
    input: [
      `link add ${hostLink} type veth peer name eth0 netns ${pid}`,
      `addr add 10.99.0.1/24 dev ${hostLink}`,
      `link set ${hostLink} up`,
    ].join('\n'),
  });
  expect(inLabHost.stderr).toBe('');
  const inside = await host.exec(['nsenter', '-n', '-t', String(pid), 'ip', '-batch', '-'], {
    input: ['addr add 10.99.0.2/24 dev eth0', 'link set eth0 up', 'route add default via 10.99.0.1'].join('\n'),
  });
  expect(inside.stderr).toBe('');
  return { pid, process };
}

// Real namespaces and processes: 20 s each, scaled as the checker's own limits (the micro-VM is slow).
describe.runIf(isRoot)('the network probes and the upstream', { timeout: scaled(20_000) }, () => {
  let host: LabHost;
  let mydocker: Mydocker;

  beforeAll(async () => {
    host = await LabHost.create(`network-test-${process.pid}`);
    mydocker = new Mydocker(host);
  }, scaled(20_000));
  afterAll(async () => {
    mydocker.cleanup();
    await host.destroy();
  });

  test('the upstream answers the lab host with the address it came from, and leaves nothing when destroyed', async () => {
    const baseline = await snapshot(host, mydocker);
    const upstream = await Upstream.create(host);
    try {
      expect(await host.links()).toContain(UPSTREAM_LINK);
      const mine = (await addresses(host, 'lab-host')).find((entry) => entry.ifname === UPSTREAM_LINK);
      expect(mine?.addr_info.map((a) => `${a.local}/${a.prefixlen}`)).toContain(`${UPSTREAM.labHostAddress}/24`);
      const theirs = await addresses(host, upstream);
      expect(theirs.map((entry) => entry.ifname).sort()).toEqual(['eth0', 'lo']);
      expect(await httpGet(host, 'lab-host', `http://${UPSTREAM.address}/`)).toEqual({
        ok: true,
        body: `source=${UPSTREAM.labHostAddress}\n`,
      });
      const uname = await upstream.exec(['ip', '-br', 'addr', 'show', 'eth0']);
      expect(uname.stdout).toContain(`${UPSTREAM.address}/24`);
      // The harness's fixtures are not the learner's leftovers.
      expect((await findLeaks({ host, mydocker }, baseline)).problems).toEqual([]);
    } finally {
      await upstream.destroy();
    }
    expect(await host.links()).toEqual(['lo']);
    expect(alive(upstream.pid)).toBe(false);
    expect(host.strayProcesses()).toEqual([]);
    expect((await findLeaks({ host, mydocker }, baseline)).problems).toEqual([]);
  });

  test('probes a container netns: its addresses, routes, a server in it, and its veth going with it', async () => {
    const upstream = await Upstream.create(host);
    const container = await fakeContainer(host);
    try {
      const eth0 = (await addresses(host, container)).find((entry) => entry.ifname === 'eth0');
      expect(eth0?.addr_info.find((a) => a.family === 'inet')).toMatchObject({ local: '10.99.0.2', prefixlen: 24 });
      expect(await routes(host, container)).toContainEqual(
        expect.objectContaining({ dst: 'default', gateway: '10.99.0.1', dev: 'eth0' }),
      );
      const server = await serveHttp(host, container, 8080);
      try {
        expect(await httpGet(host, 'lab-host', 'http://10.99.0.2:8080/')).toEqual({
          ok: true,
          body: 'source=10.99.0.1\n',
        });
        // The upstream has no route to 10.99.0.0/24: the probe reports it, bounded, and does not throw.
        const lost = await httpGet(host, upstream, 'http://10.99.0.2:8080/', 500);
        expect(lost.ok).toBe(false);
        expect(lost.error).toMatch(/ENETUNREACH|EHOSTUNREACH|no answer/);
      } finally {
        await server.close();
      }
      const refused = await httpGet(host, 'lab-host', 'http://10.99.0.2:8080/');
      expect(refused).toMatchObject({ ok: false, body: '' });
      expect(refused.error).toMatch(/^ECONNREFUSED/);
      // The upstream's own veth is the harness's, not a container's.
      expect(await waitNoVeth(host, 100)).toEqual(['vethfake0']);
    } finally {
      container.process.kill('SIGKILL');
      await container.process;
      await upstream.destroy();
    }
    expect(await waitNoVeth(host)).toEqual([]);
  });

  test('serveHttp says why it could not listen', async () => {
    await expect(serveHttp(host, 'lab-host', 80, '192.0.2.77')).rejects.toThrow(/EADDRNOTAVAIL/);
  });

  test('the leak check lets a network keep its bridge and chains, and reports a veth, container rules and a removed network', async () => {
    const iptables = await host.exec(['iptables', '-w', '-L', '-n']);
    if (iptables.exitCode !== 0) return; // no iptables here: LabHost.iptablesRules reads nothing either
    const record = join(mydocker.stateRoot, 'networks', 'bridge');
    mkdirSync(record, { recursive: true });
    writeFileSync(
      join(record, 'network.json'),
      JSON.stringify({ name: 'bridge', bridge: 'mytest0', subnet: '172.30.0.0/16', gateway: '172.30.0.1' }),
    );
    const baseline = await snapshot(host, mydocker);
    const rules = [
      '*nat',
      ':MYDOCKER - [0:0]',
      ':MYDOCKER-POSTROUTING - [0:0]',
      '-A PREROUTING -m addrtype --dst-type LOCAL -j MYDOCKER',
      '-A POSTROUTING -j MYDOCKER-POSTROUTING',
      '-A MYDOCKER-POSTROUTING -s 172.30.0.0/16 ! -o mytest0 -j MASQUERADE',
      '-A MYDOCKER ! -i mytest0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.30.0.2:80',
      '-A MYDOCKER-POSTROUTING -s 172.30.0.2/32 -d 172.30.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
      'COMMIT',
      '',
    ].join('\n');
    await host.exec(['ip', 'link', 'add', 'mytest0', 'type', 'bridge']);
    await host.exec(['ip', 'link', 'add', 'vethleak0', 'type', 'veth', 'peer', 'name', 'vethleak1']);
    const restore = await host.exec(['iptables-restore', '-w', '--noflush'], { input: rules });
    expect(restore.stderr).toBe('');
    const legacy = await host.exec(['iptables-legacy', '-w', '-t', 'nat', '-N', 'MYDOCKER-C0FFEE']);
    const { now, problems } = await findLeaks({ host, mydocker }, baseline);
    expect(problems.sort()).toEqual(
      [
        'the lab host gained a network device: vethleak0',
        'the lab host gained a network device: vethleak1',
        'the lab host gained an iptables rule: nat -A MYDOCKER ! -i mytest0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.30.0.2:80',
        'the lab host gained an iptables rule: nat -A MYDOCKER-POSTROUTING -s 172.30.0.2/32 -d 172.30.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
        ...(legacy.exitCode === 0 ? ['the lab host gained an iptables rule: legacy:nat :MYDOCKER-C0FFEE -'] : []),
      ].sort(),
    );
    await host.exec(['ip', 'link', 'del', 'vethleak0']);
    if (legacy.exitCode === 0) await host.exec(['iptables-legacy', '-w', '-t', 'nat', '-X', 'MYDOCKER-C0FFEE']);
    // The network is removed from disk, but its bridge and its rules stay: both reported.
    writeFileSync(join(mydocker.stateRoot, 'networks', 'bridge', 'network.json'), '');
    const after = await findLeaks({ host, mydocker }, now);
    expect(after.problems).toContain('network bridge was removed, but its bridge mytest0 is still there');
    expect(after.problems).toContain(
      'network bridge was removed, but its rule is still there: nat -A MYDOCKER-POSTROUTING -s 172.30.0.0/16 ! -o mytest0 -j MASQUERADE',
    );
    await host.exec(['ip', 'link', 'del', 'mytest0']);
    await host.exec(['iptables', '-w', '-t', 'nat', '-F']);
    await host.exec(['iptables', '-w', '-t', 'nat', '-X']);
  });
});

describe('what a network may keep', () => {
  const networks = [{ name: 'bridge', bridge: 'mydocker0', subnet: '172.17.0.0/16' }];
  const networks2 = [...networks, { name: 'other', bridge: 'mdbr-0123456789', subnet: '172.18.0.0/16' }];

  test('classifies the chains, jumps, network rules and container rules', () => {
    expect(classifyRule('nat :MYDOCKER -', networks)).toBe('chains');
    expect(classifyRule('legacy:filter :MYDOCKER-FORWARD -', networks)).toBe('chains');
    expect(classifyRule('nat :MYDOCKER-abc -', networks)).toBe('other');
    expect(classifyRule('nat -A OUTPUT -m addrtype --dst-type LOCAL -j MYDOCKER', networks)).toBe('chains');
    expect(classifyRule('filter -A FORWARD -j MYDOCKER-FORWARD', networks)).toBe('chains');
    expect(classifyRule('filter -A FORWARD -i eth0 -j ACCEPT', networks)).toBe('other');
    expect(classifyRule('nat -A MYDOCKER-POSTROUTING -s 172.17.0.0/16 ! -o mydocker0 -j MASQUERADE', networks)).toEqual(
      [networks[0]],
    );
    expect(classifyRule('filter -A MYDOCKER-FORWARD -i mydocker0 -o mydocker0 -j ACCEPT', networks)).toEqual([
      networks[0],
    ]);
    // The isolation between two networks names both.
    expect(classifyRule('filter -A MYDOCKER-FORWARD -i mdbr-0123456789 -o mydocker0 -j DROP', networks2)).toEqual(
      networks2,
    );
    expect(
      classifyRule('filter -A MYDOCKER-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', networks),
    ).toBe('chains');
    expect(
      classifyRule('nat -A MYDOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80', networks),
    ).toBe('container');
    expect(classifyRule('filter -A MYDOCKER-FORWARD -d 172.17.0.2/32 -o mydocker0 -j ACCEPT', networks)).toBe(
      'container',
    );
  });

  test('a rule naming two networks may go with either, and stay only while both exist', () => {
    const isolation = 'filter -A MYDOCKER-FORWARD -i mdbr-0123456789 -o mydocker0 -j DROP';
    const both = { networks: networks2, links: ['lo', 'mdbr-0123456789', 'mydocker0'], rules: [isolation] };
    const one = { networks, links: ['lo', 'mydocker0'], rules: [] };
    expect(networkChanges(both, one)).toEqual([]); // network rm other: its bridge and the rule went
    expect(networkChanges(one, both)).toEqual([]); // network create other
    expect(networkChanges(both, { ...one, rules: [isolation] })).toEqual([
      `network other was removed, but its rule is still there: ${isolation}`,
    ]);
    expect(networkChanges(both, { ...both, rules: [] })).toEqual([`the lab host lost an iptables rule: ${isolation}`]);
  });

  test('reports a port reserved for a container that is not running and an address of a removed one', () => {
    const root = join('/tmp', `network-leaks-${process.pid}`);
    const id = 'c0ffee'.padEnd(64, '0');
    const gone = 'dead'.padEnd(64, '0');
    mkdirSync(join(root, 'containers', id), { recursive: true });
    mkdirSync(join(root, 'networks', 'bridge', 'addresses'), { recursive: true });
    mkdirSync(join(root, 'ports'), { recursive: true });
    writeFileSync(join(root, 'ports', 'tcp-0.0.0.0-8080'), id);
    writeFileSync(join(root, 'networks', 'bridge', 'addresses', '172.17.0.2'), id);
    writeFileSync(join(root, 'networks', 'bridge', 'addresses', '172.17.0.3'), gone);
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    expect(staleReservations(root, new Set([id]))).toEqual([
      'address 172.17.0.3 on network bridge is still allocated to container dead00000000, which was removed',
    ]);
    expect(staleReservations(root, new Set())).toEqual([
      'port tcp-0.0.0.0-8080 is still reserved for container c0ffee000000, which is not running',
      'address 172.17.0.3 on network bridge is still allocated to container dead00000000, which was removed',
    ]);
  });
});
