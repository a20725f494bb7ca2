// Lab ch4-overlay: a container writes into a layer of its own. The image's layers stay byte for byte
// as they were, containers from one image do not see each other, and `commit` turns the container's
// layer into a new image layer, deletions included.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { describeRun, expectExitCode, expectOutput } from '../../harness/expect.ts';
import { treeDigest } from '../../harness/images.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type OverlayModule = typeof import('../../../solutions/src/union/overlay.ts');

/** Runs a named container to its end (no --rm) and returns its id. */
async function runNamed(mydocker: Mydocker, name: string, script: string): Promise<string> {
  const result = await mydocker.run(['run', '--name', name, 'busybox', 'sh', '-c', script]);
  expectExitCode(result, 0);
  const state = mydocker.states().find((candidate) => candidate.name === name);
  expect(state, `the state of container ${name}`).toBeDefined();
  return state!.id;
}

async function remove(mydocker: Mydocker, ...names: string[]): Promise<void> {
  const result = await mydocker.run(['rm', ...names]);
  expectExitCode(result, 0);
}

function busyboxLayer(mydocker: Mydocker): string {
  const image = mydocker.image('busybox:latest');
  expect(image, 'the busybox image record').toBeDefined();
  return mydocker.layerDir(image!.layers[0]!);
}

describeLab('ch4-overlay', (check) => {
  check(
    "overlayOptions stacks the layers top first, with the container's upper and work directories",
    { hint: 1 },
    async () => {
      const { overlayOptions } = await importTarget<OverlayModule>('union/overlay.ts');
      const options = overlayOptions({
        lower: ['layers/base', 'layers/app', 'containers/c/init'],
        upper: 'containers/c/upper',
        work: 'containers/c/work',
      });
      expect(options.split(',').sort(), 'the overlay options').toEqual(
        [
          'lowerdir=containers/c/init:layers/app:layers/base',
          'upperdir=containers/c/upper',
          'workdir=containers/c/work',
        ].sort(),
      );
    },
  );

  check(
    "writes, changes and deletions in a container leave the image's layer byte-identical",
    { hint: 2 },
    async ({ mydocker }) => {
      await mydocker.run(['run', '--rm', 'busybox', 'true']); // the first run imports busybox
      const layer = busyboxLayer(mydocker);
      const before = treeDigest(layer);
      const result = await mydocker.run([
        'run',
        '--rm',
        'busybox',
        'sh',
        '-c',
        'echo new > /new-file && echo more >> /etc/passwd && rm /bin/ls && chmod 700 /tmp && mkdir /root/x',
      ]);
      expectExitCode(result, 0);
      expect(treeDigest(layer), `${describeRun(result)}\nthe image's layer after the container wrote`).toBe(before);
    },
  );

  check("two containers from one image do not see each other's files", { hint: 2 }, async ({ mydocker }) => {
    await runNamed(mydocker, 'writer', 'echo mine > /tmp/written-by-writer');
    try {
      const reader = await mydocker.run([
        'run',
        '--rm',
        'busybox',
        'sh',
        '-c',
        'ls /tmp/written-by-writer || echo absent',
      ]);
      expect(reader.stdout.trim().split('\n').at(-1), describeRun(reader)).toBe('absent');
    } finally {
      await remove(mydocker, 'writer');
    }
  });

  check(
    'a deleted image file is gone in that container only, and its upper directory holds a whiteout',
    { hint: 2 },
    async ({ mydocker }) => {
      const id = await runNamed(mydocker, 'deleter', 'rm /bin/ls; test ! -e /bin/ls');
      try {
        const whiteout = execFileSync(
          'stat',
          ['-c', '%F %t:%T', join(mydocker.containerDir(id), 'upper', 'bin', 'ls')],
          { encoding: 'utf8' },
        );
        expect(whiteout.trim(), "the container's upper/bin/ls").toBe('character special file 0:0');
        expectOutput(
          await mydocker.run(['run', '--rm', 'busybox', 'sh', '-c', 'test -e /bin/ls && echo there']),
          'there\n',
        );
      } finally {
        await remove(mydocker, 'deleter');
      }
    },
  );

  check(
    'commit, then run: the new image shows the change and the deletion; the base image is unchanged',
    { hint: 3, timeout: 40_000 },
    async ({ mydocker }) => {
      const layer = busyboxLayer(mydocker);
      const before = treeDigest(layer);
      await runNamed(mydocker, 'changer', 'echo committed > /etc/motd && rm /bin/vi');
      try {
        const commit = await mydocker.run(['commit', 'changer', 'changed:v1']);
        expectExitCode(commit, 0);
        const image = mydocker.image('changed:v1');
        expect(image?.layers, "the new image's layers: the base's and one more on top").toEqual([
          ...mydocker.image('busybox:latest')!.layers,
          expect.any(String),
        ]);
        const result = await mydocker.run([
          'run',
          '--rm',
          'changed:v1',
          'sh',
          '-c',
          'cat /etc/motd; test -e /bin/vi && echo vi-there || echo vi-gone',
        ]);
        expectOutput(result, 'committed\nvi-gone\n');
        expectOutput(
          await mydocker.run(['run', '--rm', 'busybox', 'sh', '-c', 'test -e /etc/motd || echo base-clean']),
          'base-clean\n',
        );
        expect(treeDigest(layer), "the base image's layer after commit").toBe(before);
      } finally {
        await remove(mydocker, 'changer');
        await mydocker.run(['rmi', 'changed:v1']);
      }
    },
  );

  check(
    "export writes the container's view: the change, without the deleted file",
    { hint: 3 },
    async ({ mydocker }) => {
      await runNamed(mydocker, 'exported', 'echo exported > /etc/motd && rm /bin/vi');
      const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-export-`));
      try {
        const result = await mydocker.run(['export', 'exported', join(dir, 'out.tar')]);
        expectExitCode(result, 0);
        const entries = execFileSync('tar', ['-tf', join(dir, 'out.tar')], { encoding: 'utf8' }).split('\n');
        expect(entries, 'entries of the exported tar').toEqual(expect.arrayContaining(['./etc/motd', './bin/sh']));
        expect(
          entries.filter((entry) => entry === './bin/vi' || entry.includes('.wh.')),
          'deleted files or whiteouts in the tar',
        ).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await remove(mydocker, 'exported');
      }
    },
  );

  check('after rm, nothing of the container is left on disk or mounted', { hint: 2 }, async ({ host, mydocker }) => {
    const mounts = host.mountTable();
    const id = await runNamed(mydocker, 'removed', 'echo x > /x');
    expect(
      existsSync(join(mydocker.containerDir(id), 'upper', 'x')),
      "the write, in the container's upper directory before rm",
    ).toBe(true);
    await remove(mydocker, 'removed');
    expect(existsSync(mydocker.containerDir(id)), `${mydocker.containerDir(id)} after rm`).toBe(false);
    expect(host.mountTable(), "the lab host's mount table after rm").toEqual(mounts);
  });
});
