// The machine's own network namespace is kept safe from the runtime: the guard around the unit and
// checker runs sees what the runtime would change, and the tests' own namespaces keep it away.
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { hostNetwork, hostNetworkChanges } from '../../checker/host-network-guard.ts';
import { inOwnNetns } from '../support/own-netns.ts';

const isRoot = process.getuid?.() === 0;

describe('the host network guard', () => {
  const clean = { ipForward: '0', links: ['veth0ld'], chains: [] };

  test('reports a changed ip_forward, a new runtime link and a new MYDOCKER line, and nothing else', () => {
    expect(hostNetworkChanges(clean, clean)).toEqual([]);
    expect(
      hostNetworkChanges(clean, {
        ipForward: '1',
        links: ['mdbr-0123456789', 'mydocker0', 'veth0ld', 'vethc0ffee1234'],
        chains: ['iptables-save: :MYDOCKER - [0:0]'],
      }),
    ).toEqual([
      'net.ipv4.ip_forward changed from 0 to 1',
      'a link appeared: mdbr-0123456789',
      'a link appeared: mydocker0',
      'a link appeared: vethc0ffee1234',
      'an iptables line appeared: iptables-save: :MYDOCKER - [0:0]',
    ]);
  });

  test("reads this namespace's state: the sysctl, and only the runtime's kind of link", () => {
    const now = hostNetwork();
    expect(now.ipForward).toMatch(/^[01]$/);
    expect(now.links.every((name) => /^(mydocker0|mdbr-|veth)/.test(name))).toBe(true);
  });
});

describe.runIf(isRoot)("the tests' own network namespace", () => {
  test("is not the host's, and what is made in it stays there", () => {
    const script =
      'ip link add mydocker0 type bridge && echo 1 > /proc/sys/net/ipv4/ip_forward && readlink /proc/self/ns/net';
    const before = hostNetwork();
    const made = spawnSync(...inOwnNetns('sh', ['-c', script]), { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout.trim()).not.toBe(readlinkSync('/proc/self/ns/net'));
    expect(hostNetworkChanges(before, hostNetwork())).toEqual([]);
  });
});
