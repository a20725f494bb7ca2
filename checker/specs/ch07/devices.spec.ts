// Lab ch7-devices: a container opens only docker's devices. CAP_MKNOD is one of docker's fourteen, so
// a root container makes any node it likes (mknod succeeds: the allow-list's `c *:* m` and `b *:* m`);
// the devices cgroup decides whether the node opens. Read from the host: v1's devices.list of the
// container's cgroup, v2's BPF program attached to it (in the micro-VM: node vm/checker.mjs
// checker/specs/ch07/devices.spec.ts); and proved from inside: a disk-like node (b 7:0, a loop
// device) and /dev/kmsg (c 1:11) are made, but opening them fails with EPERM. Every open tried is
// read-only and reads nothing (`true < node`), harmless where it succeeds (the stub). On a v1 host
// the v2 program is run by the real kernel too, in the hybrid machine's cgroup2. --device gives a
// host node; a missing one is one line and 125; --privileged has no allow-list.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cgroupVersion, containerCgroup } from '../../harness/cgroups.ts';
import { DOCKER_DEVICES, attachedDevicePrograms, hybridUnified, tryDeviceProgram } from '../../harness/devices.ts';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { hostChanges, snapshotHost } from '../../harness/host-unchanged.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type DevicesModule = typeof import('../../../solutions/src/security/devices.ts');
type DeviceListModule = typeof import('../../../solutions/src/security/device-list.ts');

/** Makes the nodes, then opens each read-only and reads nothing; prints what worked. */
const PROBE = [
  'mknod /tmp/loop0 b 7 0 && echo "mknod b 7:0"',
  'mknod /tmp/kmsg c 1 11 && echo "mknod c 1:11"',
  'true < /tmp/loop0 && echo "open b 7:0"',
  'true < /tmp/kmsg && echo "open c 1:11"',
  'true < /dev/null && echo "open /dev/null"',
  'true',
].join('; ');

/** `run -d --network none FLAGS busybox sleep`: its id and its cgroup directory for `controller`. */
async function detached(mydocker: Mydocker, host: LabHost, flags: string[]): Promise<{ id: string; cgroup: string }> {
  const result = await mydocker.run(['run', '-d', '--network', 'none', ...flags, 'busybox', 'sleep', '60']);
  expectExitCode(result, 0);
  const id = result.stdout.trim();
  return { id, cgroup: containerCgroup('devices', host.containment.containersParent, id) };
}

describeLab('ch7-devices', (check) => {
  check(
    "from the host, the container's cgroup holds docker's allow-list (v1 devices.list; v2 a BPF program attached)",
    { hint: 1 },
    async ({ host, mydocker }) => {
      const { id, cgroup } = await detached(mydocker, host, []);
      try {
        if (cgroupVersion() === 1) {
          const list = readFileSync(join(cgroup, 'devices.list'), 'utf8').trim().split('\n');
          expect(
            list,
            `${cgroup}/devices.list: docker's allow-list, and nothing else (a new cgroup allows "a *:* rwm" until devices.deny gets "a")`,
          ).toEqual(DOCKER_DEVICES);
        } else {
          expect(attachedDevicePrograms(cgroup), `BPF programs attached to ${cgroup} for BPF_CGROUP_DEVICE`).toBe(1);
        }
      } finally {
        await mydocker.run(['rm', '-f', id]);
      }
    },
  );

  check(
    'inside, a disk-like node and /dev/kmsg can be made (CAP_MKNOD) but not opened (EPERM); /dev/null opens',
    { hint: 2 },
    async ({ mydocker }) => {
      const before = snapshotHost();
      const result = await mydocker.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', PROBE]);
      expectExitCode(result, 0);
      expect(result.stdout, `${describeRun(result)}\nwhat worked inside`).toBe(
        'mknod b 7:0\nmknod c 1:11\nopen /dev/null\n',
      );
      expect(
        result.stderr.split('\n').filter((line) => line.includes('Operation not permitted')),
        `${describeRun(result)}\nboth opens refused with EPERM`,
      ).toHaveLength(2);
      expect(hostChanges(before, snapshotHost()), 'what changed on the host').toEqual([]);
    },
  );

  check(
    "deviceProgram's program, run by the kernel: docker's nodes open, others are made but do not open",
    { hint: 3 },
    async () => {
      const { deviceProgram } = await importTarget<DevicesModule>('security/devices.ts');
      const { DEFAULT_DEVICE_RULES } = await importTarget<DeviceListModule>('security/device-list.ts');
      const program = deviceProgram(DEFAULT_DEVICE_RULES);
      expect(program, "deviceProgram(docker's rules): a program (struct bpf_insn[]), not undefined").toBeInstanceOf(
        Uint8Array,
      );
      const unified = cgroupVersion() === 1 ? hybridUnified() : undefined;
      if (!unified) return; // v2: the container checks above run the program itself
      const tried = tryDeviceProgram(
        unified,
        program!,
        `${PROBE.replaceAll('/tmp/', `/tmp/mydocker-check-${process.pid}-`)}; rm -f /tmp/mydocker-check-${process.pid}-loop0 /tmp/mydocker-check-${process.pid}-kmsg`,
      );
      expect(
        tried.stdout,
        `the program in a cgroup of the hybrid machine's cgroup2: what worked\n${tried.stderr}`,
      ).toBe('mknod b 7:0\nmknod c 1:11\nopen /dev/null\n');
    },
  );

  check(
    '--device /dev/null:/dev/mynull works; --device /dev/kmsg:...:r is made, allowed to read only',
    { hint: 4 },
    async ({ host, mydocker }) => {
      // /dev/kmsg given read-only: the node is there, and an open for writing (which writes nothing:
      // harmless where it succeeds) is refused by the devices cgroup. (A write-only open of
      // /dev/kmsg needs no capability, devkmsg_open; reading it needs CAP_SYSLOG, so it is not tried.)
      const result = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        '--device',
        '/dev/null:/dev/mynull',
        '--device',
        '/dev/kmsg:/dev/mine/kmsg:r',
        'busybox',
        'sh',
        '-c',
        'ls -l /dev/mynull /dev/mine/kmsg; echo hi > /dev/mynull && echo written; true >> /dev/mine/kmsg && echo "kmsg written"; true',
      ]);
      expectExitCode(result, 0);
      expect(
        result.stdout,
        `${describeRun(result)}\n/dev/mynull (c 1:3) works; /dev/mine/kmsg (c 1:11, r only) is there but does not open for writing`,
      ).toMatch(/^c\S{9} .* 1, +11 .*\/dev\/mine\/kmsg\ncrw-rw-rw- .* 1, +3 .*\/dev\/mynull\nwritten\n$/);
      expect(result.stderr, `${describeRun(result)}\nthe write open refused (EPERM)`).toContain(
        'Operation not permitted',
      );
      if (cgroupVersion() === 1) {
        const { id, cgroup } = await detached(mydocker, host, ['--device', '/dev/kmsg:/dev/mine/kmsg:r']);
        try {
          const list = readFileSync(join(cgroup, 'devices.list'), 'utf8').trim().split('\n');
          expect(list, `${cgroup}/devices.list with --device /dev/kmsg:/dev/mine/kmsg:r`).toEqual([
            ...DOCKER_DEVICES,
            'c 1:11 r',
          ]);
        } finally {
          await mydocker.run(['rm', '-f', id]);
        }
      }
    },
  );

  check('--device of a missing node: one line, 125, nothing made', { hint: 4 }, async ({ host, mydocker }) => {
    const containers = mydocker.states().length;
    const parent = containerCgroup('devices', host.containment.containersParent, '');
    const cgroupsBefore = cgroupChildren(parent);
    const result = await mydocker.run(['run', '--rm', '--network', 'none', '--device', '/nosuch', 'busybox', 'true']);
    expect(result.exitCode, describeRun(result)).toBe(125);
    expect(result.stderr, describeRun(result)).toMatch(
      /^mydocker: error gathering device information while adding custom device "\/nosuch": no such file or directory.*\n$/,
    );
    expect(mydocker.states().length, 'containers after the refused run').toBe(containers);
    expect(cgroupChildren(parent), `cgroups in ${parent} after the refused run`).toEqual(cgroupsBefore);
  });

  check('--privileged: no allow-list, every device opens', { hint: 4 }, async ({ host, mydocker }) => {
    const { id, cgroup } = await detached(mydocker, host, ['--privileged']);
    try {
      if (cgroupVersion() === 1)
        expect(
          readFileSync(join(cgroup, 'devices.list'), 'utf8').trim(),
          `${cgroup}/devices.list with --privileged`,
        ).toBe('a *:* rwm');
      else expect(attachedDevicePrograms(cgroup), `device programs on ${cgroup} with --privileged`).toBe(0);
    } finally {
      await mydocker.run(['rm', '-f', id]);
    }
  });
});

function cgroupChildren(dir: string): string[] {
  try {
    return readdirSyncDirs(dir);
  } catch {
    return [];
  }
}

function readdirSyncDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
