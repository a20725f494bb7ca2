// Lab ch3-etc-files: /etc/hostname, /etc/hosts and /etc/resolv.conf are the container's own, bound
// from its directory, and the image's files stay as they were.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { mountPoints } from '../../harness/mountinfo.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type EtcModule = typeof import('../../../solutions/src/rootfs/etc-files.ts');

describeLab('ch3-etc-files', (check) => {
  check("hostsFile maps localhost and the container's name to the loopback", { hint: 1 }, async () => {
    const { hostsFile } = await importTarget<EtcModule>('rootfs/etc-files.ts');
    const lines = hostsFile('box')
      .split('\n')
      .map((line) => line.split(/\s+/));
    const addressOf = (name: string): string | undefined => lines.find((fields) => fields.slice(1).includes(name))?.[0];
    expect(addressOf('localhost'), 'the address of localhost').toBe('127.0.0.1');
    expect(addressOf('box'), "the address of the container's own name").toBe('127.0.0.1');
  });

  check(
    "resolvConf drops the host's loopback nameservers, keeps the rest, and falls back to public ones",
    { hint: 2 },
    async () => {
      const { resolvConf } = await importTarget<EtcModule>('rootfs/etc-files.ts');
      const nameservers = (text: string): string[] => [...text.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1]!);
      const mixed = resolvConf(
        '# from the host\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch example.org\noptions edns0\n',
      );
      expect(nameservers(mixed), 'nameservers kept from 127.0.0.53 and 192.0.2.1').toEqual(['192.0.2.1']);
      expect(mixed, 'search and options lines are kept').toMatch(/^search example\.org$/m);
      expect(nameservers(resolvConf('nameserver 127.0.0.53\nnameserver ::1\n')), 'with only local nameservers').toEqual(
        ['8.8.8.8', '8.8.4.4'],
      );
    },
  );

  check(
    "inside, the three files are the container's: its hostname, its hosts, the filtered resolv.conf",
    { hint: 3 },
    async ({ mydocker }) => {
      const { hostsFile, resolvConf } = await importTarget<EtcModule>('rootfs/etc-files.ts');
      // --network none: on a network (chapter 6) the name maps to the container's address instead
      const result = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        '--hostname',
        'box',
        'busybox',
        'sh',
        '-c',
        'cat /etc/hostname; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf',
      ]);
      expectExitCode(result, 0);
      const [hostname, hosts, resolv] = result.stdout.split('---\n');
      expect(hostname, describeRun(result)).toBe('box\n');
      expect(hosts, describeRun(result)).toBe(hostsFile('box'));
      expect(resolv, describeRun(result)).toBe(resolvConf(readFileSync('/etc/resolv.conf', 'utf8')));
    },
  );

  check("they are mount points, and the image's own files stay empty", { hint: 3 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'busybox', 'cat', '/proc/self/mountinfo']);
    expectExitCode(result, 0);
    expect(mountPoints(result.stdout), describeRun(result)).toEqual(
      expect.arrayContaining(['/etc/hostname', '/etc/hosts', '/etc/resolv.conf']),
    );
    const busybox = mydocker.image('busybox:latest');
    expect(busybox, 'the busybox image record').toBeDefined();
    const layer = mydocker.layerDir(busybox!.layers[0]!);
    for (const file of ['hostname', 'hosts', 'resolv.conf']) {
      expect(readFileSync(`${layer}/etc/${file}`, 'utf8'), `the image's /etc/${file}`).toBe('');
    }
  });
});
