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

/**
 * An OCI image layout made by umoci (chapter 8's registry is seeded from it with skopeo): image `t`,
 * one layer per entry of `layers` (files by path; the first layer also gets busybox, its sh and the
 * mount points), for `architecture`. Returns the layout's directory, under `work`.
 */
export function ociLayout(
  work: string,
  name: string,
  layers: Array<Record<string, string>>,
  architecture = 'amd64',
): string {
  const layout = join(work, name);
  const bundle = join(work, `${name}-bundle`);
  execFileSync('umoci', ['init', '--layout', layout]);
  execFileSync('umoci', ['new', '--image', `${layout}:t`]);
  execFileSync('umoci', ['config', '--image', `${layout}:t`, '--architecture', architecture, '--config.cmd', 'sh']);
  layers.forEach((files, index) => {
    execFileSync('umoci', ['unpack', '--image', `${layout}:t`, bundle], { stdio: 'ignore' });
    const root = join(bundle, 'rootfs');
    if (index === 0) {
      makeMountPoints(root);
      mkdirSync(join(root, 'bin'), { recursive: true });
      execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
      symlinkSync('busybox', join(root, 'bin', 'sh'));
    }
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    execFileSync('umoci', ['repack', '--image', `${layout}:t`, bundle], { stdio: 'ignore' });
    rmSync(bundle, { recursive: true, force: true });
  });
  return layout;
}

interface IndexEntry {
  mediaType: string;
  digest: string;
  size: number;
}

/** The descriptor index.json gives for tag `t` of a layout. */
function taggedManifest(layout: string): IndexEntry {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: IndexEntry[] };
  const { mediaType, digest, size } = index.manifests[0]!;
  return { mediaType, digest, size };
}

/**
 * One layout holding both images and, as its tag `t`, an OCI image index of them with their platforms
 * (what `docker buildx --platform linux/amd64,linux/arm64` pushes): the first layout, extended.
 */
export function multiPlatformLayout(amd64: string, arm64: string): string {
  execFileSync('cp', ['-rn', `${join(arm64, 'blobs', 'sha256')}/.`, join(amd64, 'blobs', 'sha256')]);
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { ...taggedManifest(amd64), platform: { architecture: 'amd64', os: 'linux' } },
      { ...taggedManifest(arm64), platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
    ],
  });
  const digest = createHash('sha256').update(index).digest('hex');
  writeFileSync(join(amd64, 'blobs', 'sha256', digest), index);
  writeFileSync(
    join(amd64, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: `sha256:${digest}`,
          size: Buffer.byteLength(index),
          annotations: { 'org.opencontainers.image.ref.name': 't' },
        },
      ],
    }),
  );
  return amd64;
}
