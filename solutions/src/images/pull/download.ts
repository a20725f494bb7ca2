// From a registry into an OCI image layout on disk (image-spec, image-layout.md): the manifest asked
// for (an index first, maybe: then the entry for the wanted platform), the image's config and layers as
// blobs/sha256/HEX, and an index.json that points at the one image manifest. Every document and blob is
// verified against its digest as it arrives (verify-digest.ts), and nothing is written under a name
// that is not a digest's 64 hex digits: a hostile manifest cannot point a file outside the layout.
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { manifestKind, MANIFEST_ACCEPT, choosePlatform, type Platform } from './media-types.ts';
import { PullError, readLimited, type RegistryClient } from './registry-client.ts';
import { verifiedBuffer, verifiedChunks, type Descriptor } from './verify-digest.ts';

/** distribution-spec: a registry may refuse manifests over 4 MiB; a client need not read more. */
export const MAX_MANIFEST = 4 << 20;
/** An image config is a JSON document of some kilobytes; containerd refuses more than 8 MiB too. */
export const MAX_CONFIG = 8 << 20;
/** Blobs downloaded at once (docker's max-concurrent-downloads is 3; loopback has room for more). */
const PARALLEL_BLOBS = 4;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

type Json = Record<string, unknown>;

export interface DownloadEvent {
  /** blob-exists: a layer the store has already (by its diff id), not downloaded (docker's "Already exists"). */
  kind: 'manifest' | 'blob-start' | 'blob-done' | 'blob-exists';
  digest: string;
  size?: number;
}

export interface Downloaded {
  /** The digest of the manifest the registry has under the name (the index's, for a multi-platform image). */
  digest: string;
  /** The image manifest's descriptor, as index.json records it. */
  manifest: Descriptor & { mediaType: string };
  config: Descriptor;
  layers: Descriptor[];
  /** The layers' digests not downloaded, because the store has their layer: no blob in the layout. */
  skipped: string[];
}

export interface DownloadOptions {
  onEvent?: (event: DownloadEvent) => void;
  /** Whether the store has the layer of this diff id (64 hex digits): then its blob is not downloaded. */
  has?: (diffId: string) => boolean;
}

export async function downloadLayout(
  client: RegistryClient,
  reference: { reference: string; digest?: string; name: string },
  platform: Platform,
  layout: string,
  { onEvent = () => {}, has = () => false }: DownloadOptions = {},
): Promise<Downloaded> {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  let fetched = await fetchManifest(client, reference.reference, reference.digest, '');
  const digest = fetched.digest;
  for (let depth = 0; fetched.kind === 'index'; depth++) {
    if (depth === 2) throw new PullError('its image indexes nest too deep');
    const entry = descriptorOf(choosePlatform(fetched.document, platform), 'the index entry');
    fetched = await fetchManifest(client, entry.digest, entry, `manifest ${short(entry.digest)}`);
  }
  const document = fetched.document;
  const config = descriptorOf(document.config, 'the config');
  // The config is read into memory: a descriptor that claims gigabytes is refused before the download.
  if (config.size > MAX_CONFIG)
    throw new PullError(
      `the config (${short(config.digest)}) claims ${config.size} bytes: more than ${MAX_CONFIG}, refused`,
    );
  if (!Array.isArray(document.layers)) throw new PullError(`manifest ${short(fetched.digest)} lists no layers`);
  const layers = (document.layers as unknown[]).map((layer, i) => descriptorOf(layer, `layer ${i + 1}`));
  onEvent({ kind: 'manifest', digest: fetched.digest });

  const write = (descriptor: Descriptor, content: Buffer) =>
    writeFileSync(join(layout, 'blobs', 'sha256', descriptor.digest.slice('sha256:'.length)), content);
  const manifest = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.content.length };
  write(manifest, fetched.content);
  const configContent = await fetchBlob(client, config, `config ${short(config.digest)}`, (body) =>
    verifiedBuffer(body, config, `config ${short(config.digest)}`),
  );
  write(config, configContent);

  // The config's diff ids name the layers' content: one the store has is not downloaded again.
  const diffIds = diffIdsOf(configContent, layers.length);
  const skipped = new Set(layers.filter((_, i) => diffIds?.[i] !== undefined && has(diffIds[i]!)).map((l) => l.digest));
  for (const digest of skipped) onEvent({ kind: 'blob-exists', digest });
  const distinct = [...new Map(layers.map((layer) => [layer.digest, layer])).values()].filter(
    (layer) => !skipped.has(layer.digest),
  );
  await inParallel(distinct, PARALLEL_BLOBS, async (layer) => {
    const what = `layer ${short(layer.digest)}`;
    onEvent({ kind: 'blob-start', digest: layer.digest, size: layer.size });
    const file = join(layout, 'blobs', 'sha256', layer.digest.slice('sha256:'.length));
    await fetchBlob(client, layer, what, (body) =>
      pipeline(Readable.from(verifiedChunks(body, layer, what)), createWriteStream(file)),
    );
    onEvent({ kind: 'blob-done', digest: layer.digest, size: layer.size });
  });

  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [manifest] }),
  );
  return { digest, manifest, config, layers, skipped: [...skipped] };
}

/** rootfs.diff_ids as hex, one per layer; undefined when the config has none that fit (the import then judges it). */
function diffIdsOf(config: Buffer, count: number): string[] | undefined {
  try {
    const ids = (JSON.parse(config.toString('utf8')) as { rootfs?: { diff_ids?: unknown } }).rootfs?.diff_ids;
    if (!Array.isArray(ids) || ids.length !== count || !ids.every((id) => typeof id === 'string' && DIGEST.test(id)))
      return undefined;
    return (ids as string[]).map((id) => id.slice('sha256:'.length));
  } catch {
    return undefined;
  }
}

interface FetchedManifest {
  kind: 'index' | 'image';
  mediaType: string;
  digest: string;
  content: Buffer;
  document: Json;
}

/**
 * A manifest, by tag or by digest. Verified against the descriptor when one is given (an index's
 * entry: digest and size), else against the digest asked for, else against the registry's
 * Docker-Content-Digest (what a tag names now); read at most MAX_MANIFEST bytes in any case.
 */
async function fetchManifest(
  client: RegistryClient,
  reference: string,
  expected: Descriptor | string | undefined,
  what: string,
): Promise<FetchedManifest> {
  const { response, body } = await client.get(`manifests/${reference}`, MANIFEST_ACCEPT).catch((error: Error) => {
    throw error instanceof PullError ? new PullError(labelled(what, error.message)) : error;
  });
  let content: Buffer;
  let digest: string;
  if (typeof expected === 'object') {
    if (expected.size > MAX_MANIFEST) throw new PullError(`${what} is larger than ${MAX_MANIFEST} bytes: refused`);
    content = await verifiedBuffer(body, expected, what);
    digest = expected.digest;
  } else {
    content = await readLimited(body, MAX_MANIFEST).catch((error: Error) => {
      throw new PullError(labelled(what, error.message));
    });
    const header = response.headers.get('docker-content-digest') ?? undefined;
    const wanted = expected ?? (header && DIGEST.test(header) ? header : undefined);
    digest = wanted ?? `sha256:${createHash('sha256').update(content).digest('hex')}`;
    // The whole document is in memory: verified as a descriptor of its own length would be.
    await verifiedBuffer(once(content), { digest, size: content.length }, `manifest ${short(digest)}`);
  }
  let document: Json;
  try {
    document = JSON.parse(content.toString('utf8')) as Json;
  } catch {
    throw new PullError(labelled(what, 'the manifest is not JSON'));
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new PullError(labelled(what, 'the manifest is not a JSON object'));
  const contentType = response.headers.get('content-type') ?? undefined;
  let kind: 'index' | 'image';
  try {
    kind = manifestKind(contentType, document);
  } catch (error) {
    throw new PullError(labelled(what, (error as Error).message));
  }
  const mediaType = String(document.mediaType ?? contentType?.split(';')[0] ?? '');
  return { kind, mediaType, digest, content, document };
}

/** GET /v2/<name>/blobs/<digest>, its body handed to `consume` (which verifies it). */
async function fetchBlob<T>(
  client: RegistryClient,
  descriptor: Descriptor,
  what: string,
  consume: (body: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  const { body } = await client.get(`blobs/${descriptor.digest}`).catch((error: Error) => {
    throw error instanceof PullError ? new PullError(`${what}: ${error.message}`) : error;
  });
  return consume(body);
}

/** A descriptor from a manifest, refused unless its digest is sha256's and its size a byte count. */
function descriptorOf(value: unknown, what: string): Descriptor {
  const { digest, size } = (value ?? {}) as { digest?: unknown; size?: unknown };
  if (typeof digest !== 'string' || !DIGEST.test(digest))
    throw new PullError(
      `${what} has a digest mydocker does not take: ${JSON.stringify(digest)} (sha256:<64 hex digits>)`,
    );
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw new PullError(`${what} (${short(digest)}) has no valid size: ${JSON.stringify(size)}`);
  return { digest, size };
}

/** 'manifest sha256:...: manifest unknown'; the top-level manifest's errors are the name's own. */
function labelled(what: string, message: string): string {
  return what === '' ? message : `${what}: ${message}`;
}

async function* once(content: Buffer): AsyncGenerator<Uint8Array> {
  yield content;
}

export function short(digest: string): string {
  return `${digest.slice(0, 'sha256:'.length + 12)}...`;
}

/** `work` for each item, at most `limit` at a time; the first failure is thrown once all have ended. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
