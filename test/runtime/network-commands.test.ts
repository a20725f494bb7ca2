// `mydocker network create | ls | inspect | rm` as real commands (the reference's bundle), each in a
// network namespace of its own (`unshare -n`: network create sets its network up, which must never
// happen in the host's namespace) and a state root of the test's own. Bad input: one line, docker's
// words and exit code, and the networks directory exactly as before.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../scripts/build.mjs';
import { macFromAddress } from '../../solutions/src/network/address.ts';
import { NetworkStore } from '../../solutions/src/network/store.ts';
import { predefinedByReference } from '../../solutions/src/network/predefined.ts';
import type { NetworkRecord } from '../../solutions/src/network/types.ts';
import { containerConfig, GONE } from '../support/container-config.ts';
import { removeCgroupParent, testCgroupParent } from '../support/cgroup-parent.ts';

const projectRoot = join(import.meta.dirname, '..', '..');
let root = '';

beforeAll(async () => {
  await ensureBuilt('solutions');
  root = mkdtempSync(join(tmpdir(), 'mydocker-network-commands-'));
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * `mydocker ARGS` in a new network namespace; `setup` is shell run there first (routes to collide
 * with). The namespace goes with the command.
 */
async function mydocker(args: string[], setup = 'true', env: Record<string, string> = {}) {
  const quoted = [process.execPath, join(projectRoot, 'bin', 'mydocker.cjs'), ...args]
    .map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`)
    .join(' ');
  const result = await execa('unshare', ['-n', 'sh', '-c', `${setup} && exec ${quoted}`], {
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root, ...env },
  });
  return { exitCode: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Every file under networks/ but the lock's (which comes and goes), to prove nothing half-made. */
function files(): string[] {
  try {
    return readdirSync(join(root, 'networks'), { recursive: true })
      .map(String)
      .filter((path) => !path.startsWith('.lock'))
      .sort();
  } catch {
    return [];
  }
}

/** An exited container's entry in `dir`, as run and its shim leave one (its PID 1 long gone). */
function writeExitedEntry(dir: string, config: { created: string }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const running = {
    pid: GONE.pid,
    start: GONE.start,
    shim: GONE.pid,
    shimStart: GONE.start,
    startedAt: config.created,
  };
  writeFileSync(join(dir, 'running.json'), JSON.stringify(running));
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 0, finishedAt: config.created }));
}

describe('network commands', () => {
  test('create, ls, inspect, rm', async () => {
    const created = await mydocker(['network', 'create', '--subnet', '10.77.0.0/24', 'web']);
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const auto = await mydocker(['network', 'create', 'auto']);
    expect(auto.exitCode).toBe(0);

    const ls = await mydocker(['network', 'ls']);
    expect(ls.exitCode).toBe(0);
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('NETWORK ID     NAME      DRIVER    SCOPE');
    // dockerd's host and none always, with their drivers, among the rest by name
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(1).join(' '))).toEqual([
      'auto bridge local',
      'bridge bridge local',
      'host host local',
      'none null local',
      'web bridge local',
    ]);
    expect(lines[5]!.slice(0, 12)).toBe(id.slice(0, 12));

    const inspect = await mydocker(['network', 'inspect', 'web', 'bridge', 'auto']);
    expect(inspect.exitCode).toBe(0);
    const [web, bridge, autoNetwork] = JSON.parse(inspect.stdout) as {
      Name: string;
      Id: string;
      Driver: string;
      Scope: string;
      IPAM: { Config: { Subnet: string; Gateway: string }[] };
      Containers: object;
      Options: Record<string, string>;
    }[];
    expect(web).toMatchObject({ Name: 'web', Id: id, Driver: 'bridge', Scope: 'local', Containers: {} });
    expect(web!.IPAM.Config).toEqual([{ Subnet: '10.77.0.0/24', Gateway: '10.77.0.1' }]);
    expect(web!.Options['com.docker.network.bridge.name']).toBe(`mdbr-${id.slice(0, 10)}`);
    // A namespace of its own has no routes: the default network has docker's first pool, the next
    // network the second.
    expect(bridge!.IPAM.Config).toEqual([{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }]);
    expect(bridge!.Options['com.docker.network.bridge.name']).toBe('mydocker0');
    expect(autoNetwork!.IPAM.Config).toEqual([{ Subnet: '172.18.0.0/16', Gateway: '172.18.0.1' }]);

    const rm = await mydocker(['network', 'rm', 'web', 'auto']);
    expect(rm).toMatchObject({ exitCode: 0, stdout: 'web\nauto\n' });
    expect(files().filter((path) => !path.startsWith('bridge'))).toEqual([]);
  }, 60_000);

  test("a subnet is chosen around this namespace's routes", async () => {
    const setup =
      'ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up && ' +
      'ip addr add 172.19.3.1/24 dev v0 && ip addr add 10.78.0.1/16 dev v0';
    const created = await mydocker(['network', 'create', 'around'], setup);
    expect(created.exitCode, created.stderr).toBe(0);
    const network = JSON.parse(readFileSync(join(root, 'networks', 'around', 'network.json'), 'utf8'));
    expect(['172.18.0.0/16', '172.20.0.0/16']).toContain(network.subnet); // not 172.19, the route's
    const overlapping = await mydocker(['network', 'create', '--subnet', '10.78.128.0/24', 'clash'], setup);
    expect(overlapping).toMatchObject({
      exitCode: 1,
      stderr: 'mydocker: subnet 10.78.128.0/24 overlaps the route to 10.78.0.0/16 on v0 of this network namespace\n',
    });
    expect((await mydocker(['network', 'rm', 'around'])).exitCode).toBe(0);
  }, 60_000);

  test('create sets the network up in this namespace (its bridge, the gateway on it, up, its rules); rm takes it away', async () => {
    const script = [
      'M="$0 $1"',
      '$M network create --subnet 10.81.0.0/24 lab >/dev/null',
      'ip -o -4 addr show',
      'ip -o link show up',
      'iptables-save | grep -c -e mdbr- -e 10.81.0.0/24',
      '$M network rm lab >/dev/null',
      'echo after rm',
      'ip -o link show',
      'iptables-save | grep -c -e mdbr- -e 10.81.0.0/24',
    ].join('; ');
    const result = await execa(
      'unshare',
      ['-n', 'sh', '-c', script, process.execPath, join(projectRoot, 'bin', 'mydocker.cjs')],
      {
        reject: false,
        env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root },
      },
    );
    expect(result.stderr).toBe('');
    const [before, after] = String(result.stdout).split('after rm');
    expect(before).toMatch(/^\d+: mdbr-[0-9a-f]{10} +inet 10\.81\.0\.1\/24 /m);
    expect(before).toMatch(/^\d+: mdbr-[0-9a-f]{10}: </m);
    expect(after).not.toContain('mdbr-');
    const rules = (text: string) => Number(text.trim().split('\n').at(-1));
    expect(rules(before!), "the network's rules (MASQUERADE, forwarding) after create").toBeGreaterThan(0);
    expect(rules(after!), 'its rules after rm').toBe(0);
    expect(files().filter((path) => path.startsWith('lab'))).toEqual([]);
  }, 60_000);

  test('a set-up that fails leaves no network behind', async () => {
    await mydocker(['network', 'ls']);
    const before = files();
    // No iproute2 on PATH: the bridge cannot be made.
    const result = await mydocker(['network', 'create', 'nowhere'], 'PATH=/nonexistent');
    expect(result.stderr).toMatch(/^mydocker: setting up the network's bridge, `ip link add .*: ip is not installed/);
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.exitCode).toBe(125);
    expect(files()).toEqual(before);
  }, 60_000);

  const bad: [string, string[], number, string][] = [
    ['a malformed subnet', ['create', '--subnet', '10.0.0.0/33', 'x'], 1, 'invalid CIDR address: 10.0.0.0/33'],
    ['not a subnet at all', ['create', '--subnet', 'ten', 'x'], 1, 'invalid CIDR address: ten'],
    [
      'host bits set',
      ['create', '--subnet', '10.5.1.7/16', 'x'],
      1,
      'invalid subnet 10.5.1.7/16: it should be 10.5.0.0/16',
    ],
    [
      'a prefix too long for a container',
      ['create', '--subnet', '10.5.0.0/31', 'x'],
      1,
      'invalid subnet 10.5.0.0/31: the prefix must be from /8 to /30 (a /30 has one address for a container)',
    ],
    [
      'overlapping a network',
      ['create', '--subnet', '172.17.128.0/24', 'x'],
      1,
      'invalid pool request: Pool overlaps with other one on this address space (network bridge has 172.17.0.0/16)',
    ],
    [
      'a gateway outside',
      ['create', '--subnet', '10.5.0.0/24', '--gateway', '10.6.0.1', 'x'],
      1,
      'no matching subnet for gateway 10.6.0.1',
    ],
    [
      'the broadcast as gateway',
      ['create', '--subnet', '10.5.0.0/24', '--gateway', '10.5.0.255', 'x'],
      1,
      'invalid gateway 10.5.0.255: it is the broadcast address of 10.5.0.0/24',
    ],
    [
      'a gateway not an address',
      ['create', '--subnet', '10.5.0.0/24', '--gateway', 'gw', 'x'],
      1,
      'invalid gateway address: gw',
    ],
    [
      'a gateway without a subnet',
      ['create', '--gateway', '10.5.0.1', 'x'],
      1,
      'every ip-range or gateway must have a corresponding subnet',
    ],
    ['create of host', ['create', 'host'], 1, 'operation is not permitted on predefined host network'],
    ['create of none', ['create', 'none'], 1, 'operation is not permitted on predefined none network'],
    ['create of bridge', ['create', 'bridge'], 1, 'operation is not permitted on predefined bridge network'],
    ['create of default', ['create', 'default'], 1, 'operation is not permitted on predefined default network'],
    ['a bad name', ['create', 'a/b'], 1, 'invalid network name "a/b": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'],
    ['another driver', ['create', '-d', 'overlay', 'x'], 1, 'plugin "overlay" not found'],
    [
      'no name',
      ['create'],
      125,
      `"mydocker network create" requires exactly 1 argument (see 'mydocker network create --help')`,
    ],
    ['an unknown flag', ['create', '--ipv6', 'x'], 125, "unknown flag: --ipv6 (see 'mydocker network create --help')"],
    ['rm of bridge', ['rm', 'bridge'], 1, 'bridge is a pre-defined network and cannot be removed'],
    ['rm of host', ['rm', 'host'], 1, 'host is a pre-defined network and cannot be removed'],
    ['rm of none', ['rm', 'none'], 1, 'none is a pre-defined network and cannot be removed'],
    ['rm of none by its id', ['rm', '95e604707b6d'], 1, 'none is a pre-defined network and cannot be removed'],
    [
      'rm of bridge by its id',
      ['rm', '<bridge id prefix>'],
      1,
      'bridge is a pre-defined network and cannot be removed',
    ],
    ['rm of nothing', ['rm', 'nosuch'], 1, 'network nosuch not found'],
    ['inspect of nothing', ['inspect', 'nosuch'], 1, 'network nosuch not found'],
    [
      'an unknown subcommand',
      ['connect', 'x', 'y'],
      125,
      "unknown command 'network connect' (see 'mydocker network --help')",
    ],
  ];
  test.each(bad)('%s: one line, its exit code, nothing made', async (_, args, exitCode, message) => {
    await mydocker(['network', 'ls']); // the default network exists
    const before = files();
    const bridgeId = JSON.parse(readFileSync(join(root, 'networks', 'bridge', 'network.json'), 'utf8')).id as string;
    const result = await mydocker([
      'network',
      ...args.map((arg) => arg.replace('<bridge id prefix>', bridgeId.slice(0, 6))),
    ]);
    expect(result.stderr).toBe(`mydocker: ${message}\n`);
    expect(result.exitCode).toBe(exitCode);
    expect(files()).toEqual(before);
  });

  test('a container with an address: inspect lists it, rm of its network is refused until the container goes', async () => {
    const created = await mydocker(['network', 'create', '--subnet', '10.79.0.0/24', 'busy']);
    const id = created.stdout.trim();
    const store = new NetworkStore(root);
    const network = store.get('busy');
    // An exited container on it, as run and its shim leave one (its address kept until rm).
    const container = 'f'.repeat(64);
    const address = store.allocate(network, container);
    const dir = join(root, 'containers', container);
    const endpoint = {
      network: 'busy',
      networkId: id,
      bridge: network.bridge,
      hostLink: `veth${container.slice(0, 11)}`,
      address,
      prefix: 24,
      gateway: network.gateway,
      mac: macFromAddress(address),
    };
    const config = {
      ...containerConfig(container, { name: 'app' }),
      network: { mode: 'bridge', network: 'busy', endpoint, ports: [] },
    };
    writeExitedEntry(dir, config);

    const inspect = await mydocker(['network', 'inspect', 'busy']);
    expect(JSON.parse(inspect.stdout)[0].Containers).toEqual({
      [container]: { Name: 'app', MacAddress: '02:42:0a:4f:00:02', IPv4Address: '10.79.0.2/24', IPv6Address: '' },
    });

    const before = files();
    const refused = await mydocker(['network', 'rm', 'busy']);
    expect(refused.stderr).toBe(`mydocker: error while removing network: network busy id ${id} has active endpoints\n`);
    expect(refused.exitCode).toBe(1);
    expect(files()).toEqual(before);

    expect(await mydocker(['rm', container])).toMatchObject({ exitCode: 0, stdout: `${container}\n` });
    expect(store.users(network), 'after the container went').toEqual([]);
    expect(await mydocker(['network', 'rm', 'busy'])).toMatchObject({ exitCode: 0, stdout: 'busy\n' });
  }, 60_000);

  test('run --network ID of host or none (or a prefix only it has) is that mode; a network named so is that one', async () => {
    const cgroupParent = testCgroupParent('network-ids');
    // A link (a bridge) in the namespace the command runs in: host mode sees it, none does not.
    const interfaces = async (network: string) => {
      const result = await mydocker(
        ['run', '--rm', '--network', network, 'host', 'cat', '/proc/net/dev'],
        'ip link add probe0 type bridge',
        { MYDOCKER_CGROUP_PARENT: cgroupParent },
      );
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      return [...result.stdout.matchAll(/^\s*([^\s:]+):/gm)].map((match) => match[1]).sort();
    };
    try {
      expect(await interfaces('1ec41dc16488e9cbee4a42bb65e2df0b3ff8ad4a164049f64cf9ce378384d9b3')).toEqual([
        'lo',
        'probe0',
      ]);
      expect(await interfaces('1ec41dc1'), 'a prefix').toEqual(['lo', 'probe0']);
      expect(await interfaces('95e60470'), 'none').toEqual(['lo']);
      const missing = await mydocker(['run', '--rm', '--network', 'abcdef12', 'host', 'true']);
      expect(missing).toMatchObject({ exitCode: 125, stderr: 'mydocker: network abcdef12 not found\n' });
      // A network on disk named (or with an id) so is the one meant; an ambiguous prefix is none of them.
      const named = { name: '1ec41dc1', id: 'f'.repeat(64) } as NetworkRecord;
      const request = { mode: 'bridge' as const, network: '1ec41dc1' };
      expect(predefinedByReference(request, () => [named])).toBe(request);
      expect(predefinedByReference(request, () => [])).toEqual({ mode: 'host' });
      const clash = { name: 'other', id: `1ec4${'0'.repeat(60)}` } as NetworkRecord;
      expect(predefinedByReference({ mode: 'bridge', network: '1ec4' }, () => [clash])).toEqual({
        mode: 'bridge',
        network: '1ec4',
      });
    } finally {
      removeCgroupParent(cgroupParent);
    }
  }, 60_000);

  test("host and none: stable ids in ls -q and inspect, docker's drivers, no IPAM, their containers", async () => {
    const quiet = await mydocker(['network', 'ls', '-q']);
    expect(quiet.exitCode).toBe(0);
    const ids = quiet.stdout.trimEnd().split('\n');
    expect(ids).toContain('1ec41dc16488');
    expect(ids).toContain('95e604707b6d');
    expect((await mydocker(['network', 'ls', '-q'])).stdout, 'the same ids every time').toBe(quiet.stdout);

    // A container run with --network none (exited), as run and its shim leave one.
    const container = 'e'.repeat(64);
    const dir = join(root, 'containers', container);
    const config = { ...containerConfig(container, { name: 'alone' }), network: { mode: 'none', ports: [] } };
    writeExitedEntry(dir, config);
    try {
      const inspect = await mydocker(['network', 'inspect', 'host', '95e60470']);
      expect(inspect.stderr).toBe('');
      expect(inspect.exitCode).toBe(0);
      const [host, none] = JSON.parse(inspect.stdout) as Record<string, unknown>[];
      const bridge = JSON.parse(readFileSync(join(root, 'networks', 'bridge', 'network.json'), 'utf8'));
      expect(host).toMatchObject({
        Name: 'host',
        Id: '1ec41dc16488e9cbee4a42bb65e2df0b3ff8ad4a164049f64cf9ce378384d9b3',
        Created: bridge.created,
        Scope: 'local',
        Driver: 'host',
        IPAM: { Driver: 'default', Options: {}, Config: [] },
        Containers: {},
      });
      expect(none).toMatchObject({ Name: 'none', Driver: 'null', IPAM: { Config: [] } });
      expect(none!.Containers).toEqual({
        [container]: { Name: 'alone', MacAddress: '', IPv4Address: '', IPv6Address: '' },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('usage', async () => {
    const help = await mydocker(['network', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: mydocker network COMMAND');
    const create = await mydocker(['network', 'create', '--help']);
    expect(create.stdout).toContain('--subnet string');
    const main = await mydocker(['--help']);
    expect(main.stdout).toMatch(/^ {2}network {5}Manage networks/m);
  });
});
