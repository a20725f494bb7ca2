// Lab ch6-ipam: each container's address on its network. Checked on the function with subnets of the
// check's own (the network address, the gateway and the broadcast are never handed out; serial after
// the last one, wrapping; /8 to /30), then from the host: real containers on real networks in the lab
// host, their eth0 as `ip -j addr` shows it from their own network namespace, 20 at once, a /30 that
// holds one, and the address back after rm (also after kill -9 of a --rm container's shim).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { addresses, waitNoVeth } from '../../harness/network.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type IpamModule = typeof import('../../../solutions/src/network/ipam.ts');

async function nextAddress(): Promise<IpamModule['nextAddress']> {
  return (await importTarget<IpamModule>('network/ipam.ts')).nextAddress;
}

/** a.b.c.d as a number and back, for the table of prefixes. */
const toNumber = (address: string): number => address.split('.').reduce((value, byte) => value * 256 + Number(byte), 0);
const toAddress = (value: number): string =>
  [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');

/** `network create`, which must work (the store's part): its record. */
async function createNetwork(mydocker: Mydocker, name: string, subnet: string) {
  const result = await mydocker.run(['network', 'create', '--subnet', subnet, name]);
  expectExitCode(result, 0);
  return JSON.parse(readFileSync(join(mydocker.stateRoot, 'networks', name, 'network.json'), 'utf8')) as {
    id: string;
    subnet: string;
    gateway: string;
  };
}

/** A detached container on `network` that sleeps; its id. */
async function detached(mydocker: Mydocker, network: string, extra: string[] = []): Promise<string> {
  const result = await mydocker.run(['run', '-d', ...extra, '--network', network, 'host', 'sleep', '60']);
  expectExitCode(result, 0);
  return result.stdout.trim();
}

/** The IPv4 address and prefix on the container's eth0, seen from inside its network namespace. */
async function eth0(host: LabHost, mydocker: Mydocker, id: string): Promise<string | undefined> {
  const state = mydocker.states().find((candidate) => candidate.id === id);
  if (state?.pid === undefined) throw new Error(`container ${id.slice(0, 12)} has no PID 1 in its state`);
  const links = await addresses(host, { pid: state.pid });
  const inet = links.find((link) => link.ifname === 'eth0')?.addr_info.find((info) => info.family === 'inet');
  return inet && `${inet.local}/${inet.prefixlen}`;
}

/** What config.json recorded as the container's address (run writes the endpoint IPAM chose). */
function recorded(mydocker: Mydocker, id: string): string | undefined {
  const config = JSON.parse(readFileSync(join(mydocker.containerDir(id), 'config.json'), 'utf8')) as {
    network?: { endpoint?: { address: string; prefix: number } };
  };
  const endpoint = config.network?.endpoint;
  return endpoint && `${endpoint.address}/${endpoint.prefix}`;
}

function allocations(mydocker: Mydocker, network: string): string[] {
  const dir = join(mydocker.stateRoot, 'networks', network, 'addresses');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => !name.startsWith('.'))
        .sort()
    : [];
}

async function removeAll(mydocker: Mydocker, ids: readonly string[], networks: readonly string[] = []): Promise<void> {
  if (ids.length > 0) expectExitCode(await mydocker.run(['rm', '-f', ...ids]), 0);
  for (const network of networks) expectExitCode(await mydocker.run(['network', 'rm', network]), 0);
}

describeLab('ch6-ipam', (check) => {
  check('nextAddress: never the network address (all host bits 0)', { hint: 1 }, async () => {
    const next = await nextAddress();
    expect(next('10.9.0.0/24', '10.9.0.254', new Set()), 'the first of 10.9.0.0/24, gateway 10.9.0.254').toBe(
      '10.9.0.1',
    );
    expect(
      next('10.9.0.0/24', '10.9.0.254', new Set(['10.9.0.1']), '10.9.0.1'),
      'the next of 10.9.0.0/24 after 10.9.0.1',
    ).toBe('10.9.0.2');
  });

  check('nextAddress: never the gateway (the bridge has it)', { hint: 1 }, async () => {
    const next = await nextAddress();
    expect(next('172.17.0.0/16', '172.17.0.1', new Set()), 'the first of 172.17.0.0/16, gateway 172.17.0.1').toBe(
      '172.17.0.2',
    );
    expect(
      next('10.9.0.0/24', '10.9.0.5', new Set(['10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4'])),
      '10.9.0.0/24 with .1 to .4 taken, gateway 10.9.0.5',
    ).toBe('10.9.0.6');
  });

  check(
    'nextAddress: never the broadcast (all host bits 1); undefined when the subnet is full',
    { hint: 1 },
    async () => {
      const next = await nextAddress();
      expect(next('10.9.0.0/30', '10.9.0.1', new Set(['10.9.0.2']), '10.9.0.2'), '10.9.0.0/30 with .2 taken').toBe(
        undefined,
      );
      const all = new Set(Array.from({ length: 253 }, (_, n) => `10.9.0.${n + 2}`));
      expect(next('10.9.0.0/24', '10.9.0.1', all, '10.9.0.254'), '10.9.0.0/24 with .2 to .254 taken').toBe(undefined);
      all.delete('10.9.0.254');
      expect(next('10.9.0.0/24', '10.9.0.1', all, '10.9.0.253'), '10.9.0.0/24 with .2 to .253 taken').toBe(
        '10.9.0.254',
      );
    },
  );

  check('nextAddress: the next after the last one handed out, not the lowest free', { hint: 2 }, async () => {
    const next = await nextAddress();
    expect(
      next('172.17.0.0/16', '172.17.0.1', new Set(['172.17.0.3']), '172.17.0.3'),
      '.2 was released just now, .3 was handed out last',
    ).toBe('172.17.0.4');
    expect(next('172.17.0.0/16', '172.17.0.1', new Set(), '172.17.0.255'), 'after 172.17.0.255').toBe('172.17.1.0');
  });

  check('nextAddress: after the end of the subnet it wraps round to the start', { hint: 2 }, async () => {
    const next = await nextAddress();
    expect(
      next('10.9.0.0/24', '10.9.0.1', new Set(['10.9.0.2']), '10.9.0.254'),
      'after 10.9.0.254 of 10.9.0.0/24, .2 taken',
    ).toBe('10.9.0.3');
    expect(next('10.9.0.0/30', '10.9.0.1', new Set(), '10.9.0.2'), 'a /30 whose one address was released').toBe(
      '10.9.0.2',
    );
  });

  check('nextAddress: every prefix from /8 to /30', { hint: 3 }, async () => {
    const next = await nextAddress();
    for (let prefix = 8; prefix <= 30; prefix++) {
      const subnet = `10.0.0.0/${prefix}`;
      const lastHost = toAddress(toNumber('10.0.0.0') + 2 ** (32 - prefix) - 2);
      expect(next(subnet, '10.0.0.1', new Set()), `the first of ${subnet}`).toBe('10.0.0.2');
      if (prefix < 30) {
        const beforeLast = toAddress(toNumber(lastHost) - 1);
        expect(next(subnet, '10.0.0.1', new Set(), beforeLast), `after ${beforeLast} in ${subnet}`).toBe(lastHost);
      }
      expect(next(subnet, '10.0.0.1', new Set(), lastHost), `after ${lastHost}, the last host of ${subnet}`).toBe(
        '10.0.0.2',
      );
    }
  });

  check(
    'containers get the addresses IPAM chose: their eth0 has it, config.json and network inspect say so',
    { hint: 1, timeout: scaled(60_000) },
    async ({ host, mydocker }) => {
      const network = await createNetwork(mydocker, 'small', '10.88.0.0/29');
      const first = await detached(mydocker, 'small');
      const second = await detached(mydocker, 'small');
      try {
        expect(recorded(mydocker, first), "the first container's address in config.json").toBe('10.88.0.2/29');
        expect(await eth0(host, mydocker, first), "the first container's eth0 (ip -j addr in its netns)").toBe(
          '10.88.0.2/29',
        );
        expect(recorded(mydocker, second), "the second container's address in config.json").toBe('10.88.0.3/29');
        expect(await eth0(host, mydocker, second), "the second container's eth0").toBe('10.88.0.3/29');
        expect(allocations(mydocker, 'small'), 'networks/small/addresses/').toEqual(['10.88.0.2', '10.88.0.3']);
        const inspect = await mydocker.run(['network', 'inspect', 'small']);
        expectExitCode(inspect, 0);
        const [shown] = JSON.parse(inspect.stdout) as {
          Id: string;
          Containers: Record<string, { IPv4Address: string }>;
        }[];
        expect(shown?.Id).toBe(network.id);
        expect(shown?.Containers[first]?.IPv4Address, `${describeRun(inspect)}: the first container`).toBe(
          '10.88.0.2/29',
        );
        expect(shown?.Containers[second]?.IPv4Address, 'the second container').toBe('10.88.0.3/29');
      } finally {
        await removeAll(mydocker, [first, second], ['small']);
      }
      expect(await waitNoVeth(host), 'veths left in the lab host after rm').toEqual([]);
    },
  );

  check(
    '20 containers started at once on the default network get 20 different addresses of its subnet',
    { hint: 2, timeout: scaled(120_000) },
    async ({ host, mydocker }) => {
      const runs = await Promise.all(
        Array.from({ length: 20 }, () =>
          mydocker.run(['run', '--rm', 'host', 'ip', '-o', '-4', 'addr', 'show', 'dev', 'eth0']),
        ),
      );
      for (const run of runs) expectExitCode(run, 0);
      const network = JSON.parse(
        readFileSync(join(mydocker.stateRoot, 'networks', 'bridge', 'network.json'), 'utf8'),
      ) as {
        subnet: string;
        gateway: string;
      };
      const [base, prefix] = network.subnet.split('/');
      const size = 2 ** (32 - Number(prefix));
      const shown = runs.map((run) => /inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(run.stdout));
      for (const [n, match] of shown.entries()) {
        expect(match, `${describeRun(runs[n]!)}: the container's eth0 has an IPv4 address`).not.toBeNull();
        const offset = toNumber(match![1]!) - toNumber(base!);
        expect(match![2], `the prefix of ${match![1]}`).toBe(prefix);
        expect(offset > 0 && offset < size - 1, `${match![1]} is a host address of ${network.subnet}`).toBe(true);
        expect(match![1], 'not the gateway').not.toBe(network.gateway);
      }
      const distinct = new Set(shown.map((match) => match![1]));
      expect(distinct.size, `the addresses: ${[...distinct].join(' ')}`).toBe(20);
      expect(allocations(mydocker, 'bridge'), 'allocations left after 20 `run --rm`').toEqual([]);
      expect(await waitNoVeth(host), 'veths left in the lab host').toEqual([]);
    },
  );

  check(
    'a /30 holds one container: the next is refused, nothing made; after rm the address is handed out again',
    { hint: 2, timeout: scaled(60_000) },
    async ({ host, mydocker }) => {
      const network = await createNetwork(mydocker, 'one', '10.89.0.0/30');
      const first = await detached(mydocker, 'one');
      let again: string | undefined;
      try {
        expect(recorded(mydocker, first)).toBe('10.89.0.2/30');
        const refused = await mydocker.run(['run', '--network', 'one', 'host', 'true']);
        expect(refused.stderr, describeRun(refused)).toBe(
          `mydocker: no available IPv4 addresses on this network's address pools: one (${network.id.slice(0, 12)})\n`,
        );
        expectExitCode(refused, 125);
        expect(
          mydocker.states().map((state) => state.id),
          'containers after the refused run',
        ).toEqual([first]);
        expect(allocations(mydocker, 'one'), 'allocations after the refused run').toEqual(['10.89.0.2']);
        expectExitCode(await mydocker.run(['rm', '-f', first]), 0);
        expect(allocations(mydocker, 'one'), 'allocations after rm').toEqual([]);
        again = await detached(mydocker, 'one');
        expect(recorded(mydocker, again), 'the next container after rm').toBe('10.89.0.2/30');
        expect(await eth0(host, mydocker, again), 'its eth0').toBe('10.89.0.2/30');
      } finally {
        await removeAll(mydocker, again ? [again] : [], ['one']);
      }
    },
  );

  check(
    "kill -9 of a --rm container's shim: the next command gives its address back",
    { hint: 2, timeout: scaled(60_000) },
    async ({ host, mydocker }) => {
      await createNetwork(mydocker, 'crash', '10.90.0.0/29');
      const id = await detached(mydocker, 'crash', ['--rm']);
      try {
        expect(allocations(mydocker, 'crash')).toEqual(['10.90.0.2']);
        await mydocker.crash(id);
        expectExitCode(await mydocker.run(['ps', '-a']), 0);
        expect(existsSync(mydocker.containerDir(id)), 'its entry after the next command (--rm)').toBe(false);
        expect(allocations(mydocker, 'crash'), 'allocations after the next command').toEqual([]);
      } finally {
        expectExitCode(await mydocker.run(['network', 'rm', 'crash']), 0);
      }
      expect(await waitNoVeth(host), 'veths left in the lab host').toEqual([]);
    },
  );
});
