// Lab ch3-pivot-root: the image is the container's whole filesystem; the host's is gone from its
// mount namespace, so not even the classic chroot escape finds it.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { importBreakoutImage } from '../../harness/images.ts';
import { CONTAINER_MOUNT_POINTS, mountPoints } from '../../harness/mountinfo.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type PivotModule = typeof import('../../../solutions/src/rootfs/pivot-root.ts');

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
    expect(detach, 'an umount2 of the old root, with MNT_DETACH (2)').toBe(
      `umount2 ${putOld.slice('/new/root'.length)} 2`,
    );
  });

  check('enterRootfs leaves the working directory inside the new root, not in the old one', { hint: 3 }, async () => {
    const { enterRootfs, PUT_OLD } = await importTarget<PivotModule>('rootfs/pivot-root.ts');
    const kernel = new FakeKernel();
    kernel.chdir('/var/lib/mydocker'); // setUpContainer stands in the state root while it builds the root
    enterRootfs(kernel, '/var/lib/mydocker/containers/c/rootfs');
    const where = kernel.cwd === undefined ? 'in the detached old root' : kernel.cwd;
    expect(
      kernel.cwd !== undefined && kernel.cwd !== `/${PUT_OLD}` && !kernel.cwd.startsWith(`/${PUT_OLD}/`),
      `after enterRootfs the working directory is ${where}: pivot_root moves it only if it was at the old root, ` +
        `and a process standing in the old tree reaches the host with \`..\` (kernel calls: ${JSON.stringify(kernel.calls)})`,
    ).toBe(true);
  });

  check(
    "the put-old directory is gone: not in / inside, not in the image's layer",
    { hint: 3 },
    async ({ mydocker }) => {
      const { PUT_OLD } = await importTarget<PivotModule>('rootfs/pivot-root.ts');
      const result = await mydocker.run(['run', '--rm', 'busybox', 'ls', '-a', '/']);
      expectExitCode(result, 0);
      expect(
        result.stdout.split(/\s+/),
        `${describeRun(result)}\nthe empty ${PUT_OLD} directory, left in the container's root`,
      ).not.toContain(PUT_OLD);
      const busybox = mydocker.image('busybox:latest');
      expect(busybox, 'the busybox image record').toBeDefined();
      // Without an overlay (chapter 3) the root is the image's own layer: a leftover lands in the image.
      const layerRoot = readdirSync(mydocker.layerDir(busybox!.layers[0]!));
      expect(
        layerRoot,
        `the root of the image's layer ${mydocker.layerDir(busybox!.layers[0]!)} after a run`,
      ).not.toContain(PUT_OLD);
    },
  );

  check("the container sees the image's files as its root", { hint: 1 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'busybox', 'ls', '/']);
    expectExitCode(result, 0);
    const names = result.stdout.split(/\s+/).filter(Boolean);
    expect(names, describeRun(result)).toEqual(expect.arrayContaining(['bin', 'etc', 'proc', 'root', 'sys', 'tmp']));
    expect(names, `${describeRun(result)}\nthe host's own top-level directories must not show`).not.toContain('boot');
  });

  check(
    'a file on the host, outside the image, is unreachable, also by the chroot breakout',
    { hint: 2, timeout: 60_000 },
    async ({ mydocker }) => {
      const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-marker-`));
      const marker = join(dir, 'marker');
      writeFileSync(marker, "the host's secret\n");
      try {
        const image = await importBreakoutImage(mydocker);
        const result = await mydocker.run(['run', '--rm', image, '/breakout', marker]);
        expectExitCode(result, 0);
        expect(result.stdout, `${describeRun(result)}\nthe breakout program read ${marker}, a file of the host`).toBe(
          `unreachable: ${marker}\n`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  check('/proc/1/mountinfo inside lists no mount of the host and no old root', { hint: 3 }, async ({ mydocker }) => {
    const result = await mydocker.run(['run', '--rm', 'busybox', 'cat', '/proc/1/mountinfo']);
    expectExitCode(result, 0);
    const foreign = mountPoints(result.stdout).filter((point) => !CONTAINER_MOUNT_POINTS.includes(point));
    expect(foreign, `${describeRun(result)}\nmount points inside that the container did not make`).toEqual([]);
    expect(
      result.stdout.includes('.pivot_root') || result.stdout.includes('put_old'),
      'the old root still shows in mountinfo',
    ).toBe(false);
  });

  check(
    "the lab host's mount table does not change while a container with an image runs",
    { hint: 3 },
    async ({ host, mydocker }) => {
      const before = host.mountTable();
      const container = await mydocker.hold(['--rm'], 'true', 'busybox');
      try {
        expect(
          host.mountTable().filter((line) => !before.includes(line)),
          'mounts that appeared on the lab host',
        ).toEqual([]);
      } finally {
        await container.release();
      }
    },
  );
});
