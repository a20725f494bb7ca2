// The default image: busybox, made offline. `mydocker run busybox ...` (and `run` with no image of
// its own) needs no registry: the set-up makes a one-layer image from Debian's busybox-static, as a
// `docker save` archive, and the runtime imports it the first time it is needed (MYDOCKER_BUSYBOX,
// set by bin/mydocker.cjs). Owner 0/0, fixed times and modes, sorted (tar.mjs), so the same busybox
// gives the same bytes, the same layer id and the same image id, whatever the umask or the user.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUSYBOX } from '../requirements.mjs';
import { buildDir, mtimeOrZero } from './paths.mjs';
import { tarBuffer } from './tar.mjs';

export { BUSYBOX };
export const busyboxImage = join(buildDir, 'images', 'busybox.tar');

/** @type {Partial<Record<string, string>>} Node's process.arch to the image config's (Go's GOARCH). */
const GOARCH = { x64: 'amd64', arm64: 'arm64' };

/**
 * The busybox rootfs: the binary, a link per applet where `busybox --list-full` puts it, and /etc.
 * @param {string} busybox
 * @returns {Promise<import('./tar.mjs').TarBufferEntry[]>}
 */
async function busyboxEntries(busybox) {
  const { execFileSync } = await import('node:child_process');
  const directories = [
    'bin',
    'dev',
    'etc',
    'home',
    'proc',
    'root',
    'sbin',
    'sys',
    'tmp',
    'usr',
    'usr/bin',
    'usr/sbin',
    'var',
  ];
  /** @type {Partial<Record<string, number>>} */
  const modes = { root: 0o700, tmp: 0o1777 };
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '' && path !== 'bin/busybox' && !path.includes('..') && !path.startsWith('/'));
  /** @type {import('./tar.mjs').TarBufferEntry[]} */
  const files = [
    { path: 'bin/busybox', mode: 0o755, data: readFileSync(busybox) },
    {
      path: 'etc/passwd',
      data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
    },
    { path: 'etc/group', data: 'root:x:0:\nnogroup:x:65534:\n' },
    // Empty: the runtime mounts the container's own over them.
    { path: 'etc/hostname' },
    { path: 'etc/hosts' },
    { path: 'etc/resolv.conf' },
    ...applets.map((path) => ({
      path,
      type: /** @type {const} */ ('SymbolicLink'),
      mode: 0o777,
      linkpath: '/bin/busybox',
    })),
  ];
  const parents = new Set(
    files.flatMap(({ path }) =>
      path
        .split('/')
        .slice(0, -1)
        .map((_, i, names) => names.slice(0, i + 1).join('/')),
    ),
  );
  const allDirectories = [...new Set([...directories, ...parents])];
  return [
    ...allDirectories.map((path) => ({
      path: `${path}/`,
      type: /** @type {const} */ ('Directory'),
      mode: modes[path] ?? 0o755,
    })),
    ...files,
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Builds the busybox image when it is missing (only then: the same busybox gives the same file). */
export async function ensureBusyboxImage() {
  if (mtimeOrZero(busyboxImage) === 0) await buildBusyboxImage();
}

/**
 * .lab/build/images/busybox.tar, in `docker save` format: manifest.json, the config, the layer.
 * @param {{ busybox?: string, output?: string }} [options]
 * @returns {Promise<string>} the archive's path
 */
export async function buildBusyboxImage({ busybox = BUSYBOX, output = busyboxImage } = {}) {
  const { createHash } = await import('node:crypto');
  /** @param {string | Buffer} data */
  const sha256 = (data) => createHash('sha256').update(data).digest('hex');
  const layer = await tarBuffer(await busyboxEntries(busybox));
  const diffId = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: GOARCH[process.arch] ?? process.arch,
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
      history: [{ created_by: `write-your-own-docker set-up: ${busybox} (Debian busybox-static)` }],
    }),
  );
  const configName = `${sha256(config)}.json`;
  const manifest = JSON.stringify([
    { Config: configName, RepoTags: ['busybox:latest'], Layers: [`${diffId}/layer.tar`] },
  ]);
  const archive = await tarBuffer([
    { path: `${diffId}/`, type: 'Directory' },
    { path: `${diffId}/layer.tar`, data: layer },
    { path: configName, data: config },
    { path: 'manifest.json', data: manifest },
  ]);
  mkdirSync(dirname(output), { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  writeFileSync(temporary, archive);
  renameSync(temporary, output);
  return output;
}
