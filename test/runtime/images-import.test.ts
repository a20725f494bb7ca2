// `mydocker image import` through the real reference runtime, on fixtures made by real tools: GNU tar
// (a rootfs), umoci (an OCI image layout), skopeo (`docker save`'s format), and a hand-made docker save
// archive with an opaque directory. The layers are checked on disk, and through overlayfs itself.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, ensureBusyboxImage, busyboxImage } from '../../scripts/build.mjs';
import { getXattr } from '../../solutions/src/libc.ts';
import { ImageStore } from '../../solutions/src/images/store.ts';
import { resolveImage } from '../../solutions/src/images/default-image.ts';
import {
  dockerArchive,
  dockerSave,
  listing,
  mydocker,
  ociTar,
  sha256,
  tar,
  temporaryDir,
  umociImage,
} from '../support/image-fixtures.ts';

const work = temporaryDir('images-import');
let roots = 0;
const newRoot = () => join(work, `root-${roots++}`);
const fixtures = { rootfs: '', rootfsGz: '', reference: '', oci: '', docker: '', opaque: '' };

/** Whiteouts, opaque dirs and stray .wh. names in a layer directory. */
function marksIn(dir: string) {
  const names = (readdirSync(dir, { recursive: true }) as string[]).sort();
  return {
    whiteouts: names.filter((name) => {
      const stat = lstatSync(join(dir, name));
      return stat.isCharacterDevice() && stat.rdev === 0;
    }),
    opaque: ['.', ...names].filter(
      (name) => lstatSync(join(dir, name)).isDirectory() && getXattr(join(dir, name), 'trusted.overlay.opaque') === 'y',
    ),
    stray: names.filter((name) => name.split('/').pop()!.startsWith('.wh.')),
  };
}

function imageJson(root: string, name: string) {
  return JSON.parse(readFileSync(join(root, 'images', `${encodeURIComponent(name)}.json`), 'utf8'));
}

beforeAll(async () => {
  await ensureBuilt('solutions');
  await ensureBusyboxImage();
  // A rootfs with what an import must keep exactly: owners, setuid and sticky bits, a hard link,
  // an absolute symbolic link, a read-only and a setgid directory, times.
  const tree = join(work, 'tree');
  for (const dir of ['bin', 'tmp', 'etc', 'home/user', 'ro', 'shared']) mkdirSync(join(tree, dir), { recursive: true });
  copyFileSync('/bin/busybox', join(tree, 'bin/busybox'));
  symlinkSync('busybox', join(tree, 'bin/sh'));
  symlinkSync('/usr/share/zoneinfo/UTC', join(tree, 'etc/localtime'));
  writeFileSync(join(tree, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  linkSync(join(tree, 'etc/passwd'), join(tree, 'etc/passwd-'));
  writeFileSync(join(tree, 'bin/su'), '#!/bin/sh\n');
  chownSync(join(tree, 'bin/su'), 1000, 1000);
  chmodSync(join(tree, 'bin/su'), 0o4755);
  writeFileSync(join(tree, 'home/user/secret'), 'x');
  chownSync(join(tree, 'home/user/secret'), 1000, 2000);
  chmodSync(join(tree, 'home/user/secret'), 0o640);
  chownSync(join(tree, 'home/user'), 1000, 1000);
  chmodSync(join(tree, 'tmp'), 0o1777);
  chmodSync(join(tree, 'shared'), 0o2775);
  writeFileSync(join(tree, 'ro/file'), 'read only');
  chmodSync(join(tree, 'ro'), 0o555);
  for (const path of ['etc/passwd', 'bin/su', 'ro', 'home/user', 'tmp', '.'])
    utimesSync(join(tree, path), new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
  fixtures.rootfs = join(work, 'rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-cf', fixtures.rootfs, '-C', tree, '.']);
  execFileSync('sh', ['-c', `gzip -c ${fixtures.rootfs} > ${fixtures.rootfs}.gz`]);
  fixtures.rootfsGz = `${fixtures.rootfs}.gz`;
  // What GNU tar makes of the same file: the import must make the same tree.
  fixtures.reference = join(work, 'reference');
  mkdirSync(fixtures.reference);
  execFileSync('tar', ['--numeric-owner', '-xpf', fixtures.rootfs, '-C', fixtures.reference]);

  // Two layers by umoci; the second deletes a file and a directory's file (umoci writes .wh. entries).
  const layout = umociImage(
    work,
    [
      (rootfs) => {
        mkdirSync(join(rootfs, 'etc'));
        mkdirSync(join(rootfs, 'd'));
        writeFileSync(join(rootfs, 'etc/motd'), 'hello\n');
        writeFileSync(join(rootfs, 'etc/keep'), 'kept\n');
        writeFileSync(join(rootfs, 'd/x'), 'x\n');
      },
      (rootfs) => {
        rmSync(join(rootfs, 'etc/motd'));
        rmSync(join(rootfs, 'd/x'));
        writeFileSync(join(rootfs, 'd/z'), 'z\n');
      },
    ],
    [
      '--config.cmd',
      'sh',
      '--config.cmd',
      '-c',
      '--config.env',
      'FOO=bar',
      '--config.workingdir',
      '/d',
      '--config.entrypoint',
      '/bin/env',
    ],
  );
  fixtures.oci = ociTar(layout, join(work, 'oci.tar'));
  fixtures.docker = dockerArchive(layout, join(work, 'docker.tar'), 'umoci/made:v1');

  // An opaque directory, which umoci does not write: by hand, as docker's own layers have them.
  const base = await tar([
    { path: 'etc/', type: 'Directory' },
    { path: 'etc/motd', data: 'hello\n' },
    { path: 'usr/', type: 'Directory' },
    { path: 'usr/share/', type: 'Directory' },
    { path: 'usr/share/doc/', type: 'Directory' },
    { path: 'usr/share/doc/a', data: 'a' },
    { path: 'usr/share/doc/b', data: 'b' },
    { path: 'keep', data: 'k' },
    { path: 'var/', type: 'Directory' },
    { path: 'var/log/', type: 'Directory' },
    { path: 'var/log/old', data: 'old' },
  ]);
  const top = await tar([
    { path: './etc/', type: 'Directory' },
    { path: './etc/.wh.motd' },
    { path: './usr/share/doc/', type: 'Directory', mode: 0o755 },
    { path: './usr/share/doc/.wh..wh..opq' },
    { path: './usr/share/doc/new', data: 'new' },
    { path: './.wh.keep' },
    { path: './var/log/.wh.old' },
  ]);
  fixtures.opaque = await dockerSave(join(work, 'opaque.tar'), [base, top], { Cmd: ['sh'] });
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('mydocker image import', () => {
  test('a rootfs tar: one layer, named by the sha256 of the tar, the same tree GNU tar makes', async () => {
    const root = newRoot();
    const result = await mydocker(root, ['image', 'import', fixtures.rootfs, 'rootfs:1']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const image = imageJson(root, 'rootfs:1');
    const layerId = sha256(readFileSync(fixtures.rootfs));
    expect(result.stdout).toBe(`sha256:${image.id}`);
    expect(image).toMatchObject({
      name: 'rootfs:1',
      layers: [layerId],
      config: { env: [], cmd: [], entrypoint: [], workingDir: '' },
    });
    const layer = join(root, 'layers', layerId);
    expect(listing(layer)).toEqual(listing(fixtures.reference));
    expect(lstatSync(join(layer, 'bin/su')).mode & 0o7777).toBe(0o4755);
    expect(lstatSync(join(layer, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(lstatSync(join(layer, 'shared')).mode & 0o7777).toBe(0o2775);
    expect(lstatSync(join(layer, 'ro')).mode & 0o7777).toBe(0o555);
    expect(lstatSync(join(layer, 'etc/passwd')).ino).toBe(lstatSync(join(layer, 'etc/passwd-')).ino);
    for (const dir of ['.', 'ro', 'home/user', 'tmp'])
      expect(lstatSync(join(layer, dir)).mtimeMs).toBe(lstatSync(join(fixtures.reference, dir)).mtimeMs);
    expect(readdirSync(join(root, 'layers'))).toEqual([layerId]); // no temporary directory left
  });

  test('a gzipped rootfs: the layer id is that of the uncompressed tar, so it is the same layer', async () => {
    const root = newRoot();
    await mydocker(root, ['image', 'import', fixtures.rootfs, 'plain']);
    const result = await mydocker(root, ['image', 'import', fixtures.rootfsGz, 'gzipped']);
    expect(result.exitCode).toBe(0);
    const layerId = sha256(gunzipSync(readFileSync(fixtures.rootfsGz)));
    expect(imageJson(root, 'gzipped:latest').layers).toEqual([layerId]);
    expect(readdirSync(join(root, 'layers'))).toEqual([layerId]);
  });

  test('an OCI image layout (umoci): its layers in order, whiteouts as overlayfs reads them, its config', async () => {
    const root = newRoot();
    const result = await mydocker(root, ['image', 'import', fixtures.oci, 'oci']);
    expect(result.exitCode).toBe(0);
    const image = imageJson(root, 'oci:latest');
    const layout = join(work, 'oci-extracted');
    mkdirSync(layout);
    execFileSync('tar', ['-xf', fixtures.oci, '-C', layout]);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(layout, 'blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
    const config = JSON.parse(readFileSync(join(layout, 'blobs/sha256', manifest.config.digest.slice(7)), 'utf8'));
    expect(image.id).toBe(manifest.config.digest.slice(7));
    expect(image.layers).toEqual(config.rootfs.diff_ids.map((id: string) => id.slice(7)));
    expect(image.config).toEqual({
      env: expect.arrayContaining(['FOO=bar']),
      cmd: ['sh', '-c'],
      entrypoint: ['/bin/env'],
      workingDir: '/d',
    });
    const [bottom, topLayer] = image.layers.map((id: string) => join(root, 'layers', id));
    expect(readFileSync(join(bottom, 'etc/motd'), 'utf8')).toBe('hello\n');
    expect(marksIn(topLayer)).toEqual({
      whiteouts: expect.arrayContaining(['etc/motd', 'd/x']),
      opaque: [],
      stray: [],
    });
    expect(marksIn(topLayer).whiteouts).toHaveLength(2);
    expect(readFileSync(join(topLayer, 'd/z'), 'utf8')).toBe('z\n');
  });

  test('a docker save archive (skopeo docker-archive:, layers behind symlinks): the same image, and its layers are reused', async () => {
    const root = newRoot();
    expect((await mydocker(root, ['image', 'import', fixtures.oci, 'oci'])).exitCode).toBe(0);
    const before = Object.fromEntries(
      readdirSync(join(root, 'layers')).map((id) => [id, lstatSync(join(root, 'layers', id)).ino]),
    );
    const result = await mydocker(root, ['image', 'import', fixtures.docker, 'saved:v1']);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const oci = imageJson(root, 'oci:latest');
    const saved = imageJson(root, 'saved:v1');
    expect(saved.id).toBe(oci.id);
    expect(saved.layers).toEqual(oci.layers);
    expect(saved.config).toEqual(oci.config);
    // The same two layers, untouched: not unpacked a second time.
    expect(
      Object.fromEntries(readdirSync(join(root, 'layers')).map((id) => [id, lstatSync(join(root, 'layers', id)).ino])),
    ).toEqual(before);
  });

  test('a whiteout at the root, one in a directory the layer does not list, an opaque directory: overlayfs shows the result', async () => {
    const root = newRoot();
    const result = await mydocker(root, ['image', 'import', fixtures.opaque, 'opaque']);
    expect(result.stderr).toBe('');
    const image = imageJson(root, 'opaque:latest');
    const [bottom, topLayer] = image.layers.map((id: string) => join(root, 'layers', id));
    expect(marksIn(topLayer)).toEqual({
      whiteouts: ['etc/motd', 'keep', 'var/log/old'],
      opaque: ['usr/share/doc'],
      stray: [],
    });
    expect(marksIn(bottom)).toEqual({ whiteouts: [], opaque: [], stray: [] });
    // The kernel's view: both layers as lower directories of an overlay, in a mount namespace of its own.
    const merged = join(work, 'merged');
    mkdirSync(merged, { recursive: true });
    const view = execFileSync(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t overlay overlay -o lowerdir=${topLayer}:${bottom} ${merged} && cd ${merged} && find . | sort`,
      ],
      { encoding: 'utf8' },
    );
    expect(view.trim().split('\n')).toEqual([
      '.',
      './etc',
      './usr',
      './usr/share',
      './usr/share/doc',
      './usr/share/doc/new',
      './var',
      './var/log',
    ]);
  });

  test('the default image: resolveImage imports busybox from MYDOCKER_BUSYBOX the first time, then finds it', async () => {
    const root = newRoot();
    const store = new ImageStore(root);
    const saved = process.env.MYDOCKER_BUSYBOX;
    process.env.MYDOCKER_BUSYBOX = busyboxImage;
    try {
      const image = await resolveImage(store, 'busybox');
      expect(image).toMatchObject({
        name: 'busybox:latest',
        config: { cmd: ['sh'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      });
      const layer = store.layerDir(image.layers[0]!);
      expect(lstatSync(join(layer, 'bin/sh')).isSymbolicLink()).toBe(true);
      expect(lstatSync(join(layer, 'tmp')).mode & 0o7777).toBe(0o1777);
      expect(readFileSync(join(layer, 'etc/hostname'), 'utf8')).toBe('');
      expect(await resolveImage(store, 'busybox:latest')).toEqual(image);
      await expect(resolveImage(store, 'alpine')).rejects.toThrow(
        "unable to find image 'alpine:latest': import it first with 'mydocker image import FILE alpine' (see 'mydocker images')",
      );
    } finally {
      if (saved === undefined) delete process.env.MYDOCKER_BUSYBOX;
      else process.env.MYDOCKER_BUSYBOX = saved;
    }
  });
});
