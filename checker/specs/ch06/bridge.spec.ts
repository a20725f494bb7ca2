// Lab ch6-bridge: a network's bridge in the lab host, made once, the first time a container needs the
// network: a link of type bridge, up, with the gateway's address and the subnet's prefix (so the lab
// host routes the subnet through it). Seen from the lab host with its own ip, never the container's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { addresses, routes } from '../../harness/network.ts';
import { describeLab } from '../../harness/suite.ts';
import type { NetworkRecord } from '../../../solutions/src/network/types.ts';

/** network.json of a network, as the runtime recorded it. */
function record(mydocker: Mydocker, name: string): NetworkRecord {
  return JSON.parse(readFileSync(join(mydocker.stateRoot, 'networks', name, 'network.json'), 'utf8')) as NetworkRecord;
}

/** `ip -j -d link show dev NAME` in the lab host: its kind and flags, or undefined when there is none. */
async function link(
  host: LabHost,
  name: string,
): Promise<{ kind?: string; flags: string[]; ifindex: number; address: string } | undefined> {
  const result = await host.exec(['ip', '-j', '-d', 'link', 'show', 'dev', name], { reject: false });
  if (result.exitCode !== 0) return undefined;
  const [entry] = JSON.parse(String(result.stdout)) as {
    ifindex: number;
    flags: string[];
    address: string;
    linkinfo?: { info_kind?: string };
  }[];
  return (
    entry && { kind: entry.linkinfo?.info_kind, flags: entry.flags, ifindex: entry.ifindex, address: entry.address }
  );
}

/** The IPv4 addresses of a lab host's link, as `a.b.c.d/n`. */
async function inet(host: LabHost, name: string): Promise<string[]> {
  const entry = (await addresses(host, 'lab-host')).find((candidate) => candidate.ifname === name);
  return (entry?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

describeLab('ch6-bridge', (check) => {
  check(
    "the first container's run makes the default network's bridge, mydocker0, and brings it up",
    { hint: 1 },
    async ({ host, mydocker }) => {
      const result = await mydocker.run(['run', '--rm', 'busybox', 'true']);
      expectExitCode(result, 0);
      const bridge = record(mydocker, 'bridge').bridge;
      const found = await link(host, bridge);
      expect(
        found,
        `${describeRun(result)}\nthe lab host's link ${bridge} (ip -d link show dev ${bridge})`,
      ).toBeDefined();
      expect(found?.kind, `the kind of ${bridge}`).toBe('bridge');
      expect(found?.flags, `the flags of ${bridge}: it must be up`).toContain('UP');
    },
  );

  check(
    "the bridge has the gateway's address with the subnet's prefix, and the lab host routes the subnet through it",
    { hint: 2 },
    async ({ host, mydocker }) => {
      expectExitCode(await mydocker.run(['run', '--rm', 'busybox', 'true']), 0);
      const network = record(mydocker, 'bridge');
      const prefix = network.subnet.split('/')[1];
      expect(
        await inet(host, network.bridge),
        `the IPv4 addresses of ${network.bridge} (network.json: ${network.subnet}, gateway ${network.gateway})`,
      ).toEqual([`${network.gateway}/${prefix}`]);
      const route = (await routes(host, 'lab-host')).find((candidate) => candidate.dst === network.subnet);
      expect(route?.dev, `the lab host's route to ${network.subnet} (ip route)`).toBe(network.bridge);
    },
  );

  check(
    'the bridge is made once: a second run finds it ready and leaves it as it is',
    { hint: 1 },
    async ({ host, mydocker }) => {
      expectExitCode(await mydocker.run(['run', '--rm', 'busybox', 'true']), 0);
      const bridge = record(mydocker, 'bridge').bridge;
      const before = await link(host, bridge);
      expectExitCode(await mydocker.run(['run', '--rm', 'busybox', 'true']), 0);
      const after = await link(host, bridge);
      expect(after?.ifindex, `the ifindex of ${bridge} before (${before?.ifindex}) and after a second run`).toBe(
        before?.ifindex,
      );
    },
  );

  check(
    'a user network gets a bridge of its own with its gateway, and network rm takes it away',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const created = await mydocker.run(['network', 'create', '--subnet', '10.99.0.0/24', 'lab']);
      expectExitCode(created, 0);
      const network = record(mydocker, 'lab');
      try {
        expect(
          (await link(host, network.bridge))?.flags,
          `the flags of ${network.bridge}, the bridge of network lab`,
        ).toContain('UP');
        expect(await inet(host, network.bridge), `the IPv4 addresses of ${network.bridge}`).toEqual(['10.99.0.1/24']);
      } finally {
        expectExitCode(await mydocker.run(['network', 'rm', 'lab']), 0);
      }
      expect(await link(host, network.bridge), `${network.bridge} after network rm`).toBeUndefined();
    },
  );

  // Issue 11: dockerd lists bridge, host and none always; host and none are modes of --network, with
  // nothing of theirs in the kernel, so nothing is made for them and nothing removes them.
  check(
    "`network ls` has docker's host and none beside bridge; `network rm` and `create` of them are refused, nothing made",
    { hint: 1 },
    async ({ host, mydocker }) => {
      const ls = await mydocker.run(['network', 'ls']);
      expectExitCode(ls, 0);
      const rows = ls.stdout.trimEnd().split('\n');
      expect(rows[0], describeRun(ls)).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
      expect(
        rows.slice(1).map((row) => row.split(/\s+/).slice(1)),
        `${describeRun(ls)}\nits rows' NAME, DRIVER, SCOPE`,
      ).toEqual([
        ['bridge', 'bridge', 'local'],
        ['host', 'host', 'local'],
        ['none', 'null', 'local'],
      ]);
      const links = async () => (await addresses(host, 'lab-host')).map((entry) => entry.ifname).sort();
      const before = await links();
      for (const name of ['host', 'none']) {
        const rm = await mydocker.run(['network', 'rm', name]);
        expect(rm.stderr, describeRun(rm)).toBe(`mydocker: ${name} is a pre-defined network and cannot be removed\n`);
        expectExitCode(rm, 1);
        const create = await mydocker.run(['network', 'create', name]);
        expect(create.stderr, describeRun(create)).toBe(
          `mydocker: operation is not permitted on predefined ${name} network\n`,
        );
        expectExitCode(create, 1);
      }
      const again = await mydocker.run(['network', 'ls']);
      expect(again.stdout, `${describeRun(again)}\nthe same rows, the same ids`).toBe(ls.stdout);
      expect(await links(), "the lab host's links").toEqual(before);
    },
  );

  check(
    "the bridge keeps a MAC of its own while containers join it, so the gateway's MAC in their ARP caches stays true",
    { hint: 3 },
    async ({ host, mydocker }) => {
      expectExitCode(await mydocker.run(['network', 'create', '--subnet', '10.98.0.0/24', 'macs']), 0);
      const network = record(mydocker, 'macs');
      try {
        const before = (await link(host, network.bridge))?.address;
        const started = await mydocker.run([
          'run',
          '-d',
          '--name',
          'joiner',
          '--network',
          'macs',
          'busybox',
          'sleep',
          '30',
        ]);
        expectExitCode(started, 0);
        const after = (await link(host, network.bridge))?.address;
        expect(
          after,
          `the MAC of ${network.bridge} before a container joined (${before}) and with one port (ip link show dev ${network.bridge})`,
        ).toBe(before);
      } finally {
        await mydocker.run(['rm', '-f', 'joiner']);
        expectExitCode(await mydocker.run(['network', 'rm', 'macs']), 0);
      }
    },
  );
});
