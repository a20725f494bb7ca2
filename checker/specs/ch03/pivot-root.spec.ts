// Lab ch3-pivot-root: the image is the container's whole filesystem; the host's is gone from its
// mount namespace, so not even the classic chroot escape finds it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { importBreakoutImage } from '../../harness/images.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type PivotModule = typeof import('../../../solutions/src/rootfs/pivot-root.ts');

/** The mount points a container has once chapter 3 is done; anything else came from the host. */
export const CONTAINER_MOUNT_POINTS = ['/', '/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf'];

/** Field 5 of each mountinfo line: the mount point, as the reader of the file sees it. */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '');
}

describeLab('ch3-pivot-root', (check) => {
  check('enterRootfs uses pivot_root and detaches the old root, with no chroot', { hint: 1 }, async () => {
    const { enterRootfs } = await importTarget<PivotModule>('rootfs/pivot-root.ts');
    const kernel = new FakeKernel();
    enterRootfs(kernel, '/new/root');
    const ops = kernel.calls.map((call) => call.split(' ')[0]);
    expect(ops, `kernel calls: ${JSON.stringify(kernel.calls)}`).toContain('pivot_root');
    expect(ops, 'kernel calls').not.toContain('chroot');
    const pivot = kernel.calls.find((call) => call.startsWith('pivot_root'))!;
    const putOld = pivot.split(' ')[2]!;
    expect(putOld.startsWith('/new/root/'), `put_old (${putOld}) must be under the new root`).toBe(true);
    const detach = kernel.calls.find((call) => call.startsWith('umount2'));
    expect(detach, 'an umount2 of the old root, with MNT_DETACH (2)').toBe(`umount2 ${putOld.slice('/new/root'.length)} 2`);
  });

  check('the container sees the image\'s files as its root', { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'busybox', 'ls', '/']);
    expectExitCode(result, 0);
    const names = result.stdout.split(/\s+/).filter(Boolean);
    expect(names, describeRun(result)).toEqual(expect.arrayContaining(['bin', 'etc', 'proc', 'root', 'sys', 'tmp']));
    expect(names, `${describeRun(result)}\nthe host's own top-level directories must not show`).not.toContain('boot');
  });

  check('a file on the host, outside the image, is unreachable, also by the chroot breakout', { hint: 2, timeout: 60_000 }, async ({ mydocker }) => {
    const dir = mkdtempSync(join(tmpdir(), 'mydocker-check-marker-'));
    const marker = join(dir, 'marker');
    writeFileSync(marker, 'the host\'s secret\n');
    try {
      const image = await importBreakoutImage(mydocker);
      const result = await mydocker.run(['run', '--rm', image, '/breakout', marker]);
      expectExitCode(result, 0);
      expect(result.stdout, `${describeRun(result)}\nthe breakout program read ${marker}, a file of the host`).toBe(`unreachable: ${marker}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  check('/proc/1/mountinfo inside lists no mount of the host and no old root', { hint: 3 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'busybox', 'cat', '/proc/1/mountinfo']);
    expectExitCode(result, 0);
    const foreign = mountPoints(result.stdout).filter((point) => !CONTAINER_MOUNT_POINTS.includes(point));
    expect(foreign, `${describeRun(result)}\nmount points inside that the container did not make`).toEqual([]);
    expect(result.stdout.includes('.pivot_root') || result.stdout.includes('put_old'), 'the old root still shows in mountinfo').toBe(false);
  });

  check('the lab host\'s mount table does not change while a container with an image runs', { hint: 3 }, async ({ host, mydocker }) => {
    const before = host.mountTable();
    const container = await mydocker.hold(['--rm'], 'true', 'busybox');
    try {
      expect(host.mountTable().filter((line) => !before.includes(line)), 'mounts that appeared on the lab host').toEqual([]);
    } finally {
      await container.release();
    }
  });
});
