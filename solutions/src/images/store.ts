// Images and their layers, under the state root:
//   images/<name:tag, URI-encoded>.json  one image: its layers (bottom first) and its config
//   layers/<id>/                          one layer, unpacked as overlayfs reads a lower directory;
//                                         its id is the sha256 of its tar (the OCI diff id)
//   layers/.partial-<pid>-<random>/       a layer being made; renamed to layers/<id> when complete
// Layers are shared: an image lists ids, and a layer goes only when no image and no container
// lists it any more (remove). Files are written atomically (write-atomically.ts).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { removeRemappedLayer } from '../rootfs/remapped.ts';
import { join } from 'node:path';
import { ConflictError, NotFoundError } from '../errors.ts';
import { writeFileAtomically } from '../write-atomically.ts';
import { randomHex } from '../random-hex.ts';
import { StateStore, stateRoot } from '../state/store.ts';
import { parseReference } from './reference.ts';

export interface ImageConfig {
  env: string[];
  cmd: string[];
  entrypoint: string[];
  workingDir: string;
}

export interface Image {
  /** repository:tag, like 'busybox:latest'. */
  name: string;
  /** 64 hex digits: the sha256 of the image's config (docker's image id). */
  id: string;
  created: string;
  /** Layer ids, bottom first, as in image manifests. */
  layers: string[];
  config: ImageConfig;
}

const PARTIAL = '.partial-';

export class ImageStore {
  readonly root: string;

  constructor(root: string = stateRoot()) {
    this.root = root;
  }

  layerDir(layerId: string): string {
    return join(this.root, 'layers', layerId);
  }

  /** 'busybox' means 'busybox:latest'. Throws UsageError on a name docker's grammar refuses. */
  find(name: string): Image | undefined {
    return this.read(this.imageFile(parseReference(name).name));
  }

  list(): Image[] {
    let files: string[];
    try {
      files = readdirSync(join(this.root, 'images'));
    } catch {
      return [];
    }
    return files
      .filter((file) => file.endsWith('.json') && !file.startsWith('.'))
      .map((file) => this.read(join(this.root, 'images', file)))
      .filter((image) => image !== undefined)
      .sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
  }

  save(image: Image): void {
    const dir = join(this.root, 'images');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomically(this.imageFile(image.name), JSON.stringify(image, null, 2) + '\n', 0o644);
  }

  /**
   * `mydocker rmi`: the image goes, then every layer that no image and no container lists. Refuses
   * (and removes nothing) while a container, in any state, was made from the image.
   */
  remove(name: string): void {
    const reference = parseReference(name);
    const image = this.find(reference.name);
    if (!image) throw new NotFoundError(`no such image: ${reference.name} (see 'mydocker images')`);
    const user = new StateStore(this.root).list().find((container) => sameImage(container.image, image.name));
    if (user) {
      throw new ConflictError(
        `unable to remove ${image.name}: container ${user.id.slice(0, 12)} uses it (remove the container first)`,
      );
    }
    rmSync(this.imageFile(image.name));
    this.removeUnusedLayers(image.layers);
  }

  /** Removes those of `candidates` that no image and no container lists. */
  removeUnusedLayers(candidates: readonly string[]): void {
    const containers = new StateStore(this.root);
    const used = new Set([
      ...this.list().flatMap((image) => image.layers),
      ...containers.list().flatMap((container) => container.layers ?? []),
    ]);
    // An entry that cannot be read (list() warned about it) may use any layer: keep them all.
    if (containers.skipped.length > 0) return;
    for (const id of new Set(candidates)) {
      if (!used.has(id) && isLayerId(id)) {
        rmSync(this.layerDir(id), { recursive: true, force: true });
        removeRemappedLayer(this.root, id);
      }
    }
  }

  /**
   * A temporary directory under layers/ to fill; commit renames it to layers/<id> (a random id when
   * none is given) and returns the id. When that layer exists already, the existing one is kept
   * (same id, same content) and the temporary directory removed.
   */
  newLayerDir(): { dir: string; commit(id?: string): string } {
    const layers = join(this.root, 'layers');
    mkdirSync(layers, { recursive: true, mode: 0o700 });
    const dir = join(layers, `${PARTIAL}${process.pid}-${randomHex(8)}`);
    mkdirSync(dir, { mode: 0o755 });
    return {
      dir,
      commit: (id = randomHex(32)) => {
        if (!isLayerId(id)) throw new Error(`not a layer id: '${id}'`);
        try {
          renameSync(dir, this.layerDir(id));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
          rmSync(dir, { recursive: true, force: true });
        }
        return id;
      },
    };
  }

  /** Removes what imports that were killed left in layers/: temporary directories of gone processes. */
  removeAbandonedLayers(): void {
    let names: string[];
    try {
      names = readdirSync(join(this.root, 'layers'));
    } catch {
      return;
    }
    for (const name of names) {
      const pid = Number(name.startsWith(PARTIAL) ? name.slice(PARTIAL.length).split('-')[0] : NaN);
      if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid))
        rmSync(join(this.root, 'layers', name), { recursive: true, force: true });
    }
  }

  private imageFile(name: string): string {
    return join(this.root, 'images', `${encodeURIComponent(name)}.json`);
  }

  private read(file: string): Image | undefined {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Image;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

export function isLayerId(id: string): boolean {
  return /^[0-9a-f]{64}$/.test(id);
}

/** A container records the image name it was given ('busybox' or 'busybox:latest'). */
function sameImage(containerImage: string, imageName: string): boolean {
  try {
    return parseReference(containerImage).name === imageName;
  } catch {
    return false; // 'host', or a name no image can have
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
