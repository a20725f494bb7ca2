// The runtime's netfilter part: -p parsing, the rules as iptables-restore text, and (as root) the
// rules at work with real HTTP between network namespaces that the scenario makes inside a network
// namespace of its own (test/support/netfilter-scenario.ts), on both iptables backends.
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { parsePublish } from '../../solutions/src/network/ports.ts';
import { formatPorts, portsSettings } from '../../solutions/src/network/ports-format.ts';
import { parseSave, restoreInput, ruleLine, savedRules, tagged, type Rule } from '../../solutions/src/network/rules.ts';

const isRoot = process.getuid?.() === 0;

describe('-p', () => {
  test("docker's forms: [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp], and CONTAINERPORT alone (a port chosen later)", () => {
    expect(parsePublish(['8080:80', '127.0.0.1:5353:53/udp', '80', '10.0.0.1::81/tcp'])).toEqual([
      { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '127.0.0.1', hostPort: 5353, containerPort: 53, protocol: 'udp' },
      { hostIp: '0.0.0.0', hostPort: 0, containerPort: 80, protocol: 'tcp' },
      { hostIp: '10.0.0.1', hostPort: 0, containerPort: 81, protocol: 'tcp' },
    ]);
  });

  test.each([
    ['99999:80', 'invalid hostPort: 99999'],
    ['0:80', 'invalid hostPort: 0'],
    ['abc', 'invalid containerPort: abc'],
    ['8080:', 'invalid containerPort: '],
    ['8080:80/sctp', 'invalid proto: sctp'],
    ['1.2.3:8080:80', 'invalid IP address: 1.2.3'],
    ['8080-8081:80-81', 'port ranges are not supported: publish each port with its own -p'],
    ['1:2:3:4', 'invalid port format: expected [IP:]HOSTPORT:CONTAINERPORT'],
  ])('-p %s: one line, 125', (spec, why) => {
    expect(() => parsePublish([spec])).toThrow(`invalid argument "${spec}" for "-p, --publish" flag: ${why}`);
    try {
      parsePublish([spec]);
    } catch (error) {
      expect((error as { exitCode: number }).exitCode).toBe(125);
    }
  });

  test('the same host port twice in one run, or on 0.0.0.0 and one address: refused', () => {
    expect(() => parsePublish(['8080:80', '8080:81'])).toThrow(
      'Bind for 0.0.0.0:8080 failed: port is already allocated (by -p 8080:80)',
    );
    expect(() => parsePublish(['127.0.0.1:8080:80', '8080:81'])).toThrow('port is already allocated');
    expect(parsePublish(['8080:80', '8080:80/udp', '127.0.0.1:9090:80', '127.0.0.2:9090:80'])).toHaveLength(4);
  });

  test("ps's PORTS and inspect's NetworkSettings.Ports, docker's shapes", () => {
    const bindings = parsePublish(['8080:80', '127.0.0.1:8081:80', '5353:53/udp']);
    expect(formatPorts(bindings)).toBe('0.0.0.0:8080->80/tcp, 127.0.0.1:8081->80/tcp, 0.0.0.0:5353->53/udp');
    expect(formatPorts([])).toBe('');
    expect(portsSettings(bindings)).toEqual({
      '80/tcp': [
        { HostIp: '0.0.0.0', HostPort: '8080' },
        { HostIp: '127.0.0.1', HostPort: '8081' },
      ],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
    });
  });
});

describe('rules as iptables-restore text', () => {
  const dnat: Rule = {
    table: 'nat',
    chain: 'MYDOCKER',
    args: ['-p', 'tcp', '-m', 'tcp', '--dport', '8080', '-j', 'DNAT'],
  };
  const drop: Rule = {
    table: 'filter',
    chain: 'MYDOCKER-FORWARD',
    args: ['-i', 'a', '-o', 'b', '-j', 'DROP'],
    first: true,
  };

  test('per table, only the missing chains declared (declaring one that exists would flush it); first means -I', () => {
    expect(restoreInput([drop, dnat], '-A', [{ table: 'nat', chain: 'MYDOCKER' }])).toBe(
      '*nat\n:MYDOCKER - [0:0]\n-A MYDOCKER -p tcp -m tcp --dport 8080 -j DNAT\nCOMMIT\n' +
        '*filter\n-I MYDOCKER-FORWARD -i a -o b -j DROP\nCOMMIT\n',
    );
    expect(restoreInput([drop], '-D')).toBe('*filter\n-D MYDOCKER-FORWARD -i a -o b -j DROP\nCOMMIT\n');
    expect(restoreInput([])).toBe('');
  });

  test("a container's comment goes before the target, where iptables-save prints it, and is found again", () => {
    const line = ruleLine(tagged(dnat, 'mydocker-0123456789ab'));
    expect(line).toBe('-A MYDOCKER -p tcp -m tcp --dport 8080 -m comment --comment mydocker-0123456789ab -j DNAT');
    const saved = parseSave(
      `*nat\n:MYDOCKER - [0:0]\n${line}\n-A MYDOCKER -m comment --comment "two words" -j RETURN\n-A OTHER -m comment --comment mydocker-0123456789ab -j RETURN\nCOMMIT\n`,
    );
    expect(savedRules(saved, (words) => words.includes('mydocker-0123456789ab'))).toEqual([
      tagged(dnat, 'mydocker-0123456789ab'),
    ]);
    expect(savedRules(saved, (words) => words.includes('two words'))).toHaveLength(1);
  });
});

const backends = ['iptables-nft', 'iptables-legacy'].filter((name) => existsSync(`/usr/sbin/${name}-restore`));

// Everything below happens inside `unshare -n`: the machine's own tables are never touched.
describe.runIf(isRoot)('the rules at work, in a network namespace of the test (two networks, a published port)', () => {
  test.each(backends)(
    '%s',
    async (backend) => {
      const result = await execa('unshare', ['-n', process.execPath, 'test/support/netfilter-scenario.ts'], {
        env: { MYDOCKER_IPTABLES: backend },
        reject: false,
        timeout: 90_000,
      });
      expect(result.stderr).toBe('');
      const outcome = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(outcome.forwarding).toBe('1');
      expect(outcome.routeLocalnet).toBe('1');
      expect(outcome.idempotent, 'a second set-up of a network adds no rule').toBe(true);
      expect(outcome.probes).toEqual({
        'c1 -> upstream': 'source=203.0.113.1', // MASQUERADE out
        'c2 -> c1': 'source=172.30.0.3', // within a network: the real address
        'c3 -> c1 (another network)': 'error: TimeoutError', // isolation
        'c1 -> c3 (another network)': 'error: TimeoutError',
        'upstream -> published': 'source=203.0.113.2', // DNAT from PREROUTING, the client's address kept
        'upstream -> c1 unpublished': 'error: ENETUNREACH', // the upstream has no route to the subnet
        'host -> 127.0.0.1 published': 'source=172.30.0.1', // OUTPUT, route_localnet, MASQUERADE
        'host -> own address published': 'source=203.0.113.1', // OUTPUT
        'host -> upstream:8080': 'source=203.0.113.1', // --dst-type LOCAL: another machine's 8080 is its own
        'c1 -> itself through the host (hairpin)': 'source=172.30.0.1',
        'c2 -> c1 through the host': 'source=172.30.0.3',
      });
      expect(outcome.published).toMatch(
        /-A MYDOCKER -p tcp -m tcp --dport 8080 -m comment --comment mydocker-c1f+ -j DNAT --to-destination 172.30.0.2:80/,
      );
      // `-j DNAT`: the network's loopback guard (CVE-2020-8558) names the conntrack state DNAT and stays.
      expect(outcome.ended, 'the shim ended ops removed every rule of the container').not.toMatch(
        /mydocker-c1|dport|-j DNAT/,
      );
      expect(outcome.afterCrash, 'after a crash the next command removes what is left, by its comment').toBe('clean');
      expect(outcome.reservations).toBe('');
      expect(outcome.afterNetworkRm, 'network rm: no rule names its bridge or subnet').not.toMatch(
        /mdtest1|10\.99\.0\.0/,
      );
      expect(outcome.afterNetworkRm).toMatch(/-A MYDOCKER-POSTROUTING -s 172.30.0.0\/16 ! -o mdtest0 -j MASQUERADE/);
    },
    120_000,
  );
});
