// What an image archive says the image is: its config (a JSON document whose sha256 is the image id)
// and its layers, bottom first. docker save's manifest.json, or an OCI image layout's index.json and
// the manifests it points to (image-spec: image-layout.md, image-index.md, manifest.md, config.md).
import { createHash } from 'node:crypto';
import { resolveInArchive, type ArchiveEntry } from './archive.ts';
import type { ImageConfig } from './store.ts';

export interface ImagePlan {
  /** The config document, as stored: the image id is its sha256. */
  config: Buffer;
  /** Where each layer is in the archive (a real file), bottom first. */
  layers: string[];
}

export interface Archive {
  entries: ReadonlyMap<string, ArchiveEntry>;
  /** The contents of a path of the archive (links resolved by the caller). */
  read(path: string): Promise<Buffer>;
}

type Json = Record<string, unknown>;

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const LAYER_TYPE =
  /^application\/vnd\.(oci\.image\.layer(\.nondistributable)?\.v1\.tar|docker\.image\.rootfs(\.foreign)?\.diff\.tar)(\.gzip|\+gzip|\+zstd)?$/;

export function isDockerSave(entries: ReadonlyMap<string, ArchiveEntry>): boolean {
  return entries.has('manifest.json');
}

export function isOciLayout(entries: ReadonlyMap<string, ArchiveEntry>): boolean {
  return entries.has('oci-layout') && entries.has('index.json');
}

/** docker save: manifest.json lists images; the one tagged `name`, or else the first. */
export async function dockerSavePlan(archive: Archive, name: string): Promise<ImagePlan> {
  const manifest = parse(await archive.read(resolveInArchive(archive.entries, 'manifest.json')), 'manifest.json');
  if (!Array.isArray(manifest) || manifest.length === 0) throw new Error('its manifest.json lists no image');
  const images = manifest as Json[];
  const image = images.find((item) => Array.isArray(item.RepoTags) && item.RepoTags.includes(name)) ?? images[0]!;
  if (typeof image.Config !== 'string' || !Array.isArray(image.Layers))
    throw new Error('its manifest.json has no Config or no Layers');
  const config = await archive.read(resolveInArchive(archive.entries, image.Config));
  const layers = (image.Layers as unknown[]).map((layer) => resolveInArchive(archive.entries, String(layer)));
  return { config, layers };
}

/** An OCI image layout: index.json, down to one image manifest (linux on this machine's CPU first). */
export async function ociPlan(archive: Archive): Promise<ImagePlan> {
  let index = parse(await archive.read(resolveInArchive(archive.entries, 'index.json')), 'index.json') as Json;
  for (let depth = 0; depth < 4; depth++) {
    const descriptor = chooseManifest(index);
    const manifest = parse(await readBlob(archive, descriptor), `manifest ${descriptor.digest}`) as Json;
    if (INDEX_TYPES.includes(String(descriptor.mediaType ?? manifest.mediaType)) || Array.isArray(manifest.manifests)) {
      index = manifest;
      continue;
    }
    const configDescriptor = manifest.config as Json | undefined;
    if (!configDescriptor || !Array.isArray(manifest.layers))
      throw new Error(`manifest ${descriptor.digest} has no config or no layers`);
    const config = await readBlob(archive, configDescriptor);
    const layers = (manifest.layers as Json[]).map((layer) => {
      if (!LAYER_TYPE.test(String(layer.mediaType)))
        throw new Error(`layer ${layer.digest} has a media type this import cannot read: ${layer.mediaType}`);
      return blobPath(archive, layer);
    });
    return { config, layers };
  }
  throw new Error('its index.json nests image indexes too deep');
}

/** The image's config, in the form the runtime uses: docker's Env, Cmd, Entrypoint, WorkingDir. */
export function imageConfig(config: Json): ImageConfig {
  const section = (config.config ?? {}) as Json;
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  return {
    env: strings(section.Env),
    cmd: strings(section.Cmd),
    entrypoint: strings(section.Entrypoint),
    workingDir: typeof section.WorkingDir === 'string' ? section.WorkingDir : '',
  };
}

/** The diff ids the config promises, one per layer, as hex (no 'sha256:'); undefined when absent. */
export function diffIds(config: Json): string[] | undefined {
  const ids = (config.rootfs as Json | undefined)?.diff_ids;
  if (!Array.isArray(ids)) return undefined;
  return ids.map((id) => {
    const match = /^sha256:([0-9a-f]{64})$/.exec(String(id));
    if (!match) throw new Error(`its config has a diff id that is not a sha256: ${id}`);
    return match[1]!;
  });
}

export function parse(content: Buffer, what: string): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new Error(`${what} is not valid JSON (${(error as Error).message})`);
  }
}

const GOARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

function chooseManifest(index: Json): Json {
  const manifests = Array.isArray(index.manifests) ? (index.manifests as Json[]) : [];
  if (manifests.length === 0) throw new Error('its index lists no manifest');
  const platformOf = (manifest: Json) => (manifest.platform ?? {}) as Json;
  const native = manifests.find(
    (manifest) => platformOf(manifest).os === 'linux' && platformOf(manifest).architecture === GOARCH[process.arch],
  );
  return native ?? manifests[0]!;
}

function blobPath(archive: Archive, descriptor: Json): string {
  const match = /^([a-z0-9]+):([0-9a-f]+)$/.exec(String(descriptor.digest));
  if (!match) throw new Error(`'${descriptor.digest}' is not a digest`);
  return resolveInArchive(archive.entries, `blobs/${match[1]}/${match[2]}`);
}

/** A blob, checked against its digest: a JSON document that is not what the manifest names is refused. */
async function readBlob(archive: Archive, descriptor: Json): Promise<Buffer> {
  const content = await archive.read(blobPath(archive, descriptor));
  const [algorithm, hex] = String(descriptor.digest).split(':');
  if (algorithm === 'sha256' || algorithm === 'sha512') {
    if (createHash(algorithm).update(content).digest('hex') !== hex)
      throw new Error(`blob ${descriptor.digest} does not match its digest`);
  }
  return content;
}
