// Image fixtures for the import tests, made offline with real tools: umoci (OCI image layouts, one
// `umoci repack` per layer), skopeo (`docker-archive:`, as `docker save` writes), GNU tar, and
// scripts/build.mjs's tarBuffer for the tars no tool would write (whiteouts by hand, hostile entries).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { projectRoot, tarBuffer, type TarBufferEntry } from '../../scripts/build.mjs';
import { inOwnNetns } from './own-netns.ts';

/** An entry of a tar written byte by byte (scripts/build.mjs's tarBuffer). */
export type TarEntry = TarBufferEntry;

export const tar = (entries: TarEntry[]): Promise<Buffer> => tarBuffer(entries);

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function temporaryDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mydocker-${prefix}-`));
}

/** Runs the reference runtime for real, with its own state root. */
export function mydocker(root: string, args: string[], env: Record<string, string> = {}) {
  return execa(...inOwnNetns(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), ...args]), {
    reject: false,
    stdin: 'ignore',
    env: { MYDOCKER_SOURCE: 'solutions', MYDOCKER_ROOT: root, ...env },
  });
}

/**
 * An OCI image layout made by umoci: `init`, `new`, then per layer `unpack`, the step's changes to
 * the rootfs, `repack`. Returns the layout's directory.
 */
export function umociImage(work: string, steps: ((rootfs: string) => void)[], config: string[] = []): string {
  const layout = join(work, `layout-${Math.random().toString(16).slice(2)}`);
  const bundle = join(work, 'bundle');
  execFileSync('umoci', ['init', '--layout', layout]);
  execFileSync('umoci', ['new', '--image', `${layout}:t`]);
  for (const step of steps) {
    execFileSync('umoci', ['unpack', '--image', `${layout}:t`, bundle]);
    step(join(bundle, 'rootfs'));
    execFileSync('umoci', ['repack', '--image', `${layout}:t`, bundle]);
    rmSync(bundle, { recursive: true, force: true });
  }
  if (config.length > 0) execFileSync('umoci', ['config', '--image', `${layout}:t`, ...config]);
  return layout;
}

/** The layout as one tar: what `mydocker image import` takes for an OCI image. */
export function ociTar(layout: string, file: string): string {
  execFileSync('tar', ['-cf', file, '-C', layout, '.']);
  return file;
}

/** skopeo's `docker-archive:`, the format of `docker save` (layers as '<id>/layer.tar' symlinks). */
export function dockerArchive(layout: string, file: string, name: string): string {
  execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:t`, `docker-archive:${file}:${name}`]);
  return file;
}

/** A `docker save` archive written by hand, from layer tars and a config section (Env, Cmd...). */
export async function dockerSave(
  file: string,
  layers: Buffer[],
  config: Record<string, unknown>,
  tag = 'crafted:latest',
): Promise<string> {
  const diffIds = layers.map((layer) => sha256(layer));
  const configJson = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config,
    rootfs: { type: 'layers', diff_ids: diffIds.map((id) => `sha256:${id}`) },
  });
  const configName = `${sha256(configJson)}.json`;
  const manifest = [{ Config: configName, RepoTags: [tag], Layers: diffIds.map((id) => `${id}/layer.tar`) }];
  const entries: TarEntry[] = [
    ...layers.map((layer, i) => ({ path: `${diffIds[i]}/layer.tar`, data: layer })),
    { path: configName, data: configJson },
    { path: 'manifest.json', data: JSON.stringify(manifest) },
  ];
  writeFileSync(file, await tar(entries));
  return file;
}

/** Every path under `root` with its type, mode, owner, size and mtime: to prove nothing changed. */
export function listing(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true }) as string[];
  } catch {
    return ['(missing)'];
  }
  return ['.', ...names].sort().map((name) => {
    const stat = lstatSync(join(root, name));
    return `${name} ${stat.mode.toString(8)} ${stat.uid}:${stat.gid} ${stat.isDirectory() ? '' : stat.size} ${stat.isDirectory() ? '' : stat.mtimeMs}`;
  });
}
