// The micro-VM's parts that need no VM: the module load order, the cpio writer, the runner's options
// and the environment it passes in. (test/vm/run.test.ts boots the VM itself.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cpio, moduleLoadOrder } from '../../vm/initramfs.mjs';
import { guestEnv, writablePlaces } from '../../vm/guest.mjs';
import { parseArgs, VmError } from '../../vm/run.mjs';

describe('moduleLoadOrder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vm-modules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'modules.dep'),
    [
      'kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/fs/fscache/fscache.ko.xz kernel/fs/netfs/netfs.ko.xz',
      'kernel/fs/fscache/fscache.ko.xz: kernel/fs/netfs/netfs.ko.xz',
      'kernel/fs/netfs/netfs.ko.xz:',
      'kernel/net/9p/9pnet.ko.xz:',
      'kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz',
      'kernel/drivers/virtio/virtio_ring.ko.xz:',
      'kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/drivers/virtio/virtio_ring.ko.xz',
    ].join('\n') + '\n',
  );
  writeFileSync(join(dir, 'modules.builtin'), 'kernel/drivers/virtio/virtio_pci.ko\n');

  test.each([
    [
      ['9p'],
      [
        'kernel/net/9p/9pnet.ko.xz',
        'kernel/fs/netfs/netfs.ko.xz',
        'kernel/fs/fscache/fscache.ko.xz',
        'kernel/fs/9p/9p.ko.xz',
      ],
    ],
    [
      ['9pnet_virtio', '9p'],
      [
        'kernel/net/9p/9pnet.ko.xz',
        'kernel/drivers/virtio/virtio_ring.ko.xz',
        'kernel/net/9p/9pnet_virtio.ko.xz',
        'kernel/fs/netfs/netfs.ko.xz',
        'kernel/fs/fscache/fscache.ko.xz',
        'kernel/fs/9p/9p.ko.xz',
      ],
    ],
    [['virtio_pci'], []],
    [['virtio_rng'], ['kernel/drivers/virtio/virtio_ring.ko.xz', 'kernel/drivers/char/hw_random/virtio-rng.ko.xz']],
  ])('%j loads, dependencies first: %j', (wanted, order) => {
    expect(moduleLoadOrder(dir, wanted)).toEqual(order);
  });

  test('a module the kernel has neither built in nor as a file is one clear error', () => {
    expect(() => moduleLoadOrder(dir, ['virtio_console'])).toThrow(/has no module virtio_console.*vm\/provision\.sh/);
  });
});

describe('cpio', () => {
  /** Reads a newc archive back: name, mode and data of each entry. */
  function entries(archive: Buffer) {
    const found = [];
    let at = 0;
    for (;;) {
      expect(archive.toString('latin1', at, at + 6)).toBe('070701');
      const field = (i: number) => parseInt(archive.toString('latin1', at + 6 + i * 8, at + 14 + i * 8), 16);
      const [mode, size, nameSize] = [field(1), field(6), field(11)];
      const name = archive.toString('latin1', at + 110, at + 110 + nameSize - 1);
      at = Math.ceil((at + 110 + nameSize) / 4) * 4;
      if (name === 'TRAILER!!!') return found;
      found.push({ name, mode, data: archive.toString('latin1', at, at + size) });
      at = Math.ceil((at + size) / 4) * 4;
    }
  }

  test('writes the newc format the kernel unpacks, every header and file 4-byte aligned', () => {
    const archive = cpio([
      { name: 'bin', mode: 0o040755 },
      { name: 'init', mode: 0o100755, data: Buffer.from('#!/bin/sh\n') },
      { name: 'odd', mode: 0o100644, data: Buffer.from('abc') },
    ]);
    expect(archive.length % 4).toBe(0);
    expect(entries(archive)).toEqual([
      { name: 'bin', mode: 0o040755, data: '' },
      { name: 'init', mode: 0o100755, data: '#!/bin/sh\n' },
      { name: 'odd', mode: 0o100644, data: 'abc' },
    ]);
  });
});

describe('the runner', () => {
  test('parseArgs: options up to --, then the command as given', () => {
    expect(parseArgs(['--timeout', '30', '--env', 'A=1=2', '--keep', '--', 'sh', '-c', 'exit 3'])).toEqual({
      timeoutMs: 30_000,
      env: { A: '1=2' },
      keep: true,
      verbose: false,
      command: ['sh', '-c', 'exit 3'],
    });
  });

  test.each([[['--timeout', 'soon', '--', 'true']], [['--frobnicate', '--', 'true']], [['--']], [[]]])(
    'parseArgs %j is a usage error (exit 2)',
    (argv) => {
      expect(() => parseArgs(argv)).toThrow(VmError);
      try {
        parseArgs(argv);
      } catch (error) {
        expect((error as VmError).exitCode).toBe(2);
      }
    },
  );

  test("guestEnv passes what matters, not the host's secrets, and puts the project's bins first", () => {
    const env = guestEnv(
      { EXTRA: 'x' },
      {
        PATH: '/usr/bin:/bin',
        MYDOCKER_SOURCE: 'solutions',
        LAB_RESULTS_FILE: '/r',
        LAB_VM_ACCEL: 'kvm',
        TERM: 'xterm',
        AWS_SECRET_ACCESS_KEY: 's',
      },
    );
    expect(env).toMatchObject({
      MYDOCKER_SOURCE: 'solutions',
      LAB_RESULTS_FILE: '/r',
      TERM: 'xterm',
      EXTRA: 'x',
      HOME: '/root',
    });
    expect(env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(env).not.toHaveProperty('LAB_VM_ACCEL');
    expect(env.PATH.split(':')[0]).toMatch(/\/node_modules\/\.bin$/);
    expect(env.PATH.split(':')).toContain('/usr/bin');
  });

  test.each([
    [['/work/main'], ['/tmp', '/var/tmp', '/root', '/var/lib/mydocker']],
    [
      ['/root/course', '/root/course/labs'],
      ['/tmp', '/var/tmp', '/var/lib/mydocker'],
    ],
    [
      ['/work/main', '/tmp'],
      ['/var/tmp', '/root', '/var/lib/mydocker'],
    ],
    [['/rootfs/x'], ['/tmp', '/var/tmp', '/root', '/var/lib/mydocker']],
  ])('with the project and cwd at %j, the guest gets a tmpfs on %j', (paths, dirs) => {
    expect(writablePlaces(paths).map(([dir]) => dir)).toEqual(dirs);
  });
});
