// `mydocker pull NAME`: the image from a registry on this machine, into the store as chapter 4 stores
// images. It downloads into a temporary OCI image layout under the state root (tmp/pull-PID-RANDOM),
// imports that with importLayout (all or nothing: layers, whiteouts, unsafe paths, as `image import`),
// and removes the layout in any case: on success, on failure, on an abort (SIGINT). A failed pull
// leaves nothing: no layer, no image, no temporary directory. A layer the store has already (the
// config's diff id) is not downloaded again: docker's "Already exists".
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomHex } from '../../random-hex.ts';
import { importLayout } from '../import.ts';
import type { Image, ImageStore } from '../store.ts';
import type { Credentials } from './auth.ts';
import { downloadLayout, type DownloadEvent } from './download.ts';
import { defaultPlatform, type Platform } from './media-types.ts';
import { parsePullReference } from './pull-reference.ts';
import { PullError, RegistryClient } from './registry-client.ts';
import { DigestError } from './verify-digest.ts';

export interface PullOptions {
  platform?: Platform;
  credentials?: Credentials;
  onProgress?: (event: DownloadEvent) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface Pulled {
  image: Image;
  /** The digest of what the name points at in the registry (docker's "Digest: sha256:..."). */
  digest: string;
  /** The image's name in the store, registry included: 127.0.0.1:5000/busybox:latest. */
  name: string;
}

const TMP = 'tmp';
const PREFIX = 'pull-';

export async function pullImage(store: ImageStore, given: string, options: PullOptions = {}): Promise<Pulled> {
  const reference = parsePullReference(given);
  const client = new RegistryClient(reference.registry, reference.repository, {
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.signal && { signal: options.signal }),
    ...(options.credentials && { credentials: options.credentials }),
  });
  const made = [store.root, join(store.root, TMP)].filter((dir) => !existsSync(dir));
  removeAbandoned(store);
  const layout = join(store.root, TMP, `${PREFIX}${process.pid}-${randomHex(8)}`);
  mkdirSync(layout, { recursive: true, mode: 0o700 });
  try {
    const downloaded = await downloadLayout(client, reference, options.platform ?? defaultPlatform(), layout, {
      ...(options.onProgress && { onEvent: options.onProgress }),
      has: (diffId) => existsSync(store.layerDir(diffId)),
    });
    options.signal?.throwIfAborted();
    const inStore = new Set(downloaded.skipped.map((digest) => `blobs/sha256/${digest.slice('sha256:'.length)}`));
    const image = await importLayout(store, layout, reference.name, inStore).catch((error: Error) => {
      throw new PullError(error.message);
    });
    return { image, digest: downloaded.digest, name: reference.name };
  } catch (error) {
    if (error instanceof DigestError) throw new PullError(error.message);
    throw error;
  } finally {
    rmSync(layout, { recursive: true, force: true });
    // The directories this pull made (tmp/, and the state root itself when it was new) go too, when empty.
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty: the image is in it, or another pull's layout
      }
    }
  }
}

/** Layouts of pulls whose process is gone (killed before their clean-up). */
function removeAbandoned(store: ImageStore): void {
  const tmp = join(store.root, TMP);
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(name.startsWith(PREFIX) ? name.slice(PREFIX.length).split('-')[0] : NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid))
      rmSync(join(tmp, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
