// Images the checks make for themselves, offline: the chroot breakout (compiled here from
// chapters/03-rootfs/breakout.c) and a layered image with a whiteout and an opaque directory, written
// as a `docker save` archive by hand so that every entry in it is known.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun } from './expect.ts';
import type { Mydocker } from './mydocker.ts';
import { staticProgram } from './programs.ts';

/** The directories and files the runtime mounts on: an image made from scratch must have them. */
function makeMountPoints(root: string): void {
  for (const dir of ['proc', 'sys', 'dev', 'etc', 'tmp']) mkdirSync(join(root, dir), { recursive: true });
  for (const file of ['etc/hostname', 'etc/hosts', 'etc/resolv.conf']) writeFileSync(join(root, file), '');
}

async function importTar(mydocker: Mydocker, tar: string, name: string): Promise<void> {
  const result = await mydocker.run(['image', 'import', tar, name]);
  expect(result.exitCode, `importing the check's own image '${name}'\n${describeRun(result)}`).toBe(0);
}

/** Imports the image `breakout`: a root with /breakout, the static chroot-escape program, and no shell. */
export async function importBreakoutImage(mydocker: Mydocker): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-breakout-`));
  try {
    const root = join(work, 'root');
    makeMountPoints(root);
    execFileSync('cp', [staticProgram('chapters/03-rootfs/breakout.c'), join(root, 'breakout')]);
    execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', join(work, 'breakout.tar'), '.']);
    await importTar(mydocker, join(work, 'breakout.tar'), 'breakout');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return 'breakout';
}

/**
 * Imports the image `layered`, three layers in a `docker save` archive:
 *   1. /bin/busybox and its sh; /d/a, /d/b, /gone, /keep
 *   2. `.wh.gone` (a whiteout: /gone is deleted) and /added
 *   3. `d/.wh..wh..opq` (an opaque marker: /d's earlier content is hidden) and /d/c
 * Its final view: /d holds only c; /gone is absent; /keep and /added are there; no `.wh.` names.
 */
export async function importLayeredImage(mydocker: Mydocker): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-layered-`));
  try {
    const layers: Array<Record<string, string>> = [
      { 'd/a': 'a\n', 'd/b': 'b\n', gone: 'gone\n', keep: 'keep\n' },
      { '.wh.gone': '', added: 'added\n' },
      { 'd/.wh..wh..opq': '', 'd/c': 'c\n' },
    ];
    const archive = join(work, 'archive');
    mkdirSync(archive);
    const layerPaths: string[] = [];
    const diffIds: string[] = [];
    layers.forEach((files, index) => {
      const root = join(work, `layer${index}`);
      mkdirSync(root);
      if (index === 0) {
        makeMountPoints(root);
        mkdirSync(join(root, 'bin'));
        execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
        symlinkSync('busybox', join(root, 'bin', 'sh'));
      }
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), content);
      }
      const tar = join(archive, `layer${index}.tar`);
      execFileSync('tar', ['--numeric-owner', '--sort=name', '-C', root, '-cf', tar, '.']);
      layerPaths.push(`layer${index}.tar`);
      diffIds.push(`sha256:${createHash('sha256').update(readFileSync(tar)).digest('hex')}`);
    });
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
    });
    const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
    writeFileSync(join(archive, configName), config);
    writeFileSync(
      join(archive, 'manifest.json'),
      JSON.stringify([{ Config: configName, RepoTags: ['layered:latest'], Layers: layerPaths }]),
    );
    execFileSync('tar', ['-C', archive, '-cf', join(work, 'layered.tar'), '.']);
    await importTar(mydocker, join(work, 'layered.tar'), 'layered');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return 'layered';
}

/** Every file under `dir` with its mode, type, link target and content hash: equal listings, an unchanged tree. */
export function treeDigest(dir: string): string {
  return execFileSync(
    'sh',
    [
      '-c',
      'find . -xdev -printf "%p %m %y %l\\n" | sort; find . -xdev -type f -print0 | sort -z | xargs -0 -r sha256sum',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
}
