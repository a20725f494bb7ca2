// `mydocker image import FILE NAME`: a rootfs tar, a `docker save` archive or an OCI image layout (all
// three maybe compressed), into layers/ and images/. All or nothing: on any failure, every directory
// and layer this import made is removed again, and no image is recorded. importLayout reads an OCI
// image layout that is a directory (what `mydocker pull` downloads, chapter 8) the same way.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError, UsageError } from '../errors.ts';
import { archivePath, readFiles, scanArchive, type ArchiveEntry } from './archive.ts';
import { decompressed } from './compression.ts';
import { unpackLayer } from './layer.ts';
import { UnsafeEntryError } from './layer-paths.ts';
import {
  diffIds,
  dockerSavePlan,
  imageConfig,
  isDockerSave,
  isOciLayout,
  ociPlan,
  parse,
  type Archive,
} from './manifests.ts';
import { parseImageName } from './reference.ts';
import type { Image, ImageStore } from './store.ts';
import { fileChunks, readTar } from './tar.ts';

export async function importImage(store: ImageStore, file: string, given: string): Promise<Image> {
  const name = parseImageName(given);
  checkFile(file);
  return transactionally(
    store,
    (transaction) => readImage(transaction, file, name),
    (error) => importError(file, error),
  );
}

/**
 * An OCI image layout that is a directory (oci-layout, index.json, blobs/ALGORITHM/HEX), as
 * `mydocker pull` writes it: the same reading and the same all-or-nothing as importImage. Its layers
 * are unpacked side by side, each from its own file. `inStore`: blobs (blobs/sha256/HEX) the pull did
 * not download because the store has their layer; the layout lacks them.
 */
export async function importLayout(
  store: ImageStore,
  dir: string,
  given: string,
  inStore: ReadonlySet<string> = new Set(),
): Promise<Image> {
  const name = parseImageName(given);
  return transactionally(
    store,
    (transaction) => readLayout(transaction, dir, name, inStore),
    (error) => error as Error,
  );
}

async function transactionally(
  store: ImageStore,
  read: (transaction: Transaction) => Promise<Image>,
  describe: (error: unknown) => Error,
): Promise<Image> {
  const transaction = new Transaction(store);
  // Modes exactly as the layer says (a 1777 /tmp stays 1777): no umask while unpacking.
  const umask = process.umask(0);
  try {
    store.removeAbandonedLayers();
    const image = await read(transaction);
    const previous = store.find(image.name);
    store.save(image);
    // Importing over a name replaces that image; its layers go unless something else uses them.
    if (previous) store.removeUnusedLayers(previous.layers);
    return image;
  } catch (error) {
    transaction.rollback();
    throw describe(error);
  } finally {
    process.umask(umask);
  }
}

function checkFile(file: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot import '${file}': ${code === 'ENOENT' ? 'no such file' : code} (give the path of a tar file)`,
    );
  }
  if (!isFile)
    throw new UsageError(
      `cannot import '${file}': not a file (give the path of a tar file, like one from 'docker save' or 'docker export')`,
    );
}

async function readImage(transaction: Transaction, file: string, name: string): Promise<Image> {
  const scanned = await scanArchive(file);
  if (scanned.kind === 'image' && (isDockerSave(scanned.entries) || isOciLayout(scanned.entries))) {
    const archive: Archive = { entries: scanned.entries, read: (path) => readSmallFile(file, scanned.files, path) };
    const plan = isDockerSave(scanned.entries) ? await dockerSavePlan(archive, name) : await ociPlan(archive);
    const config = parse(plan.config, 'the image config') as Record<string, unknown>;
    const expected = diffIds(config);
    if (expected && expected.length !== plan.layers.length)
      throw new Error(`its config lists ${expected.length} layers, its manifest ${plan.layers.length}`);
    const layers = await transaction.unpackFromArchive(file, scanned.entries, plan.layers, expected);
    return { name, id: sha256(plan.config), created: createdOf(config), layers, config: imageConfig(config) };
  }
  // A rootfs: the whole file is one layer, and the image has no config of its own; the id is that
  // of the config docker would write for it (with no date in it, so the same tar gives the same id).
  const layer = await transaction.unpack(fileChunks(file));
  const config = {
    architecture: 'amd64',
    os: 'linux',
    config: {},
    rootfs: { type: 'layers', diff_ids: [`sha256:${layer}`] },
  };
  return {
    name,
    id: sha256(Buffer.from(JSON.stringify(config))),
    created: new Date().toISOString(),
    layers: [layer],
    config: imageConfig(config),
  };
}

async function readLayout(
  transaction: Transaction,
  dir: string,
  name: string,
  inStore: ReadonlySet<string>,
): Promise<Image> {
  const entries = layoutEntries(dir);
  for (const path of inStore) entries.set(path, { type: 'File', size: 0 });
  if (!isOciLayout(entries)) throw new Error(`'${dir}' is not an OCI image layout (no oci-layout or no index.json)`);
  const archive: Archive = { entries, read: async (path) => readFileSync(join(dir, path)) };
  const plan = await ociPlan(archive);
  const config = parse(plan.config, 'the image config') as Record<string, unknown>;
  const expected = diffIds(config);
  if (expected && expected.length !== plan.layers.length)
    throw new Error(`its config lists ${expected.length} layers, its manifest ${plan.layers.length}`);
  // One unpacking per distinct blob; a layer the store has already (its diff id) is not read at all.
  const unpacked = new Map<string, Promise<string>>();
  const results = await Promise.allSettled(
    plan.layers.map((path, i) => {
      const known = expected?.[i];
      if (known !== undefined && existsSync(transaction.layerDir(known))) return known;
      if (inStore.has(path))
        throw new Error(`layer ${known} was in the store when the pull began, and is gone: pull again`);
      if (!unpacked.has(path)) unpacked.set(path, transaction.unpack(fileChunks(join(dir, path)), known));
      return unpacked.get(path)!;
    }),
  );
  // Every unpacking has ended before the first failure is reported: the rollback then removes them all.
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const layers = results.map((result) => (result as PromiseFulfilledResult<string>).value);
  return { name, id: sha256(plan.config), created: createdOf(config), layers, config: imageConfig(config) };
}

/** A layout directory's files, as the archive reader lists a tar's: oci-layout, index.json, blobs/A/H. */
function layoutEntries(dir: string): Map<string, ArchiveEntry> {
  const entries = new Map<string, ArchiveEntry>();
  const add = (path: string) => {
    const stat = statSync(join(dir, path), { throwIfNoEntry: false });
    if (stat?.isFile()) entries.set(path, { type: 'File', size: stat.size });
  };
  add('oci-layout');
  add('index.json');
  const blobs = join(dir, 'blobs');
  for (const algorithm of existsSync(blobs) ? readdirSync(blobs) : [])
    for (const hex of readdirSync(join(blobs, algorithm))) add(`blobs/${algorithm}/${hex}`);
  return entries;
}

async function readSmallFile(file: string, files: ReadonlyMap<string, Buffer>, path: string): Promise<Buffer> {
  const content = files.get(path) ?? (await readFiles(file, new Set([path]))).get(path);
  if (!content) throw new Error(`the archive has no file '${path}'`);
  return content;
}

/** What this import made, to be removed again if it fails. */
class Transaction {
  private readonly store: ImageStore;
  /** The state root and its subdirectories that did not exist before: a failed import leaves no trace. */
  private readonly madeDirectories: string[];
  private readonly partial = new Set<string>();
  private readonly layers: string[] = [];

  constructor(store: ImageStore) {
    this.store = store;
    this.madeDirectories = [store.root, join(store.root, 'layers'), join(store.root, 'images')].filter(
      (dir) => !existsSync(dir),
    );
  }

  layerDir(id: string): string {
    return this.store.layerDir(id);
  }

  /** One layer, into a temporary directory, then under its id (kept as it is when it exists). */
  async unpack(chunks: AsyncIterable<Buffer>, expected?: string): Promise<string> {
    const layer = this.store.newLayerDir();
    this.partial.add(layer.dir);
    const id = await unpackLayer(chunks, layer.dir);
    if (expected !== undefined && id !== expected) {
      throw new Error(
        `a layer's content does not match the diff id its config gives (sha256:${expected.slice(0, 12)}...): the archive is damaged`,
      );
    }
    const existed = existsSync(this.store.layerDir(id));
    layer.commit(id);
    this.partial.delete(layer.dir);
    if (!existed) this.layers.push(id);
    return id;
  }

  /**
   * The layers of an image archive, in one read of it. A layer whose diff id the config gives and
   * the store has already is not read at all.
   */
  async unpackFromArchive(
    file: string,
    entries: ReadonlyMap<string, ArchiveEntry>,
    paths: string[],
    expected: string[] | undefined,
  ): Promise<string[]> {
    const ids: (string | undefined)[] = paths.map((_, i) =>
      expected && existsSync(this.store.layerDir(expected[i]!)) ? expected[i] : undefined,
    );
    const wanted = new Map<string, number[]>();
    paths.forEach((path, i) => {
      if (ids[i] === undefined) wanted.set(path, [...(wanted.get(path) ?? []), i]);
    });
    const unpacking: Promise<void>[] = [];
    if (wanted.size > 0) {
      await readTar(fileChunks(file), {
        onEntry: (entry, abort) => {
          const path = archivePath(entry.path);
          const indexes = path === undefined ? undefined : wanted.get(path);
          if (!indexes || entries.get(path!)?.type !== 'File') return void entry.resume();
          wanted.delete(path!);
          const done = this.unpack(decompressed(entry), expected?.[indexes[0]!]).then(
            (id) => indexes.forEach((i) => (ids[i] = id)),
            (error: Error) => {
              abort(error);
              throw error;
            },
          );
          done.catch(() => {}); // awaited below; the read stops on the error meanwhile
          unpacking.push(done);
        },
      });
    }
    await Promise.all(unpacking);
    if (wanted.size > 0) throw new Error(`the archive has no '${[...wanted.keys()][0]}'`);
    return ids.map((id) => id!);
  }

  rollback(): void {
    for (const dir of this.partial) rmSync(dir, { recursive: true, force: true });
    this.store.removeUnusedLayers(this.layers);
    for (const dir of [...this.madeDirectories].reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty: something else was put there meanwhile
      }
    }
  }
}

function createdOf(config: Record<string, unknown>): string {
  const created = typeof config.created === 'string' ? new Date(config.created) : undefined;
  return created && !Number.isNaN(created.getTime()) ? created.toISOString() : new Date().toISOString();
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** One line: what was wrong with the file, and what to do. */
function importError(file: string, error: unknown): Error {
  if (error instanceof UsageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UnsafeEntryError)
    return new UsageError(`cannot import '${file}': ${message}: refusing the whole archive (nothing was imported)`);
  if ((error as NodeJS.ErrnoException).syscall) return new RuntimeError(`cannot import '${file}': ${message}`);
  return new UsageError(
    `cannot import '${file}': ${message} (expected a tar, maybe compressed: a rootfs, a 'docker save' archive or an OCI image layout)`,
  );
}
