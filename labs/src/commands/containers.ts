// The commands that act on a container's files once it exists: rm (chapter 5: -f), commit, export (chapter 4).
// Their errors exit 1, as docker's do; `run` keeps 125 for its own.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { CommandError } from '../errors.ts';
import { randomHex } from '../random-hex.ts';
import { PlanKernel, type Plan } from '../kernel/plan.ts';
import { CLONE_NEWNS, MS_PRIVATE, MS_RDONLY, MS_REC } from '../kernel/constants.ts';
import { containerLayout, fromStoreRoot, initLayers } from '../rootfs/layout.ts';
import { execShim, shimPath } from '../shim/exec.ts';
import { isSameProcess, killContainer } from '../state/processes.ts';
import { StateStore, type ContainerState } from '../state/store.ts';

/**
 * `mydocker rm [-f] CONTAINER...`: its state, its cgroups, its layer and its mount points go; its
 * volumes stay. A running container only with -f, which first kills every process it has: PID 1 and
 * whatever its cgroups list (killContainer), shim or no shim.
 */
export function removeContainers(references: readonly string[], force = false): number {
  const store = new StateStore();
  let failed = false;
  for (const reference of references) {
    try {
      let container: ContainerState;
      try {
        container = store.resolve(reference);
      } catch (error) {
        // An entry that cannot be read is named by the warning list() printed: rm takes it by that name.
        if (store.removeUnreadable(reference)) {
          process.stdout.write(`${reference}\n`);
          continue;
        }
        throw error;
      }
      if (container.status === 'running') {
        if (!force) {
          throw new CommandError(
            `cannot remove container "/${container.name ?? container.id.slice(0, 12)}": container is running: stop the container before removing or force remove`,
          );
        }
        asCommandError(() => killContainer(container));
        waitForShim(container);
      }
      asCommandError(() => store.remove(container.id, container.cgroups ?? []));
      process.stdout.write(`${reference}\n`);
    } catch (error) {
      process.stderr.write(`mydocker: ${(error as Error).message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

const SHIM_WAIT_MS = 5_000;

/**
 * The shim of a killed container reaps it, records its exit and removes its cgroups (--rm: all of
 * it): let it finish before the entry goes, or its last writes fail on a directory that is gone.
 */
function waitForShim(container: ContainerState): void {
  const shim = container.shim;
  const deadline = Date.now() + SHIM_WAIT_MS;
  while (shim && isSameProcess(shim.pid, shim.start) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

/**
 * `mydocker commit CONTAINER IMAGE`: a new image, the container's image plus one layer on top, the
 * container's upper directory. That directory already holds exactly the changes, in the form
 * overlayfs reads from a lower layer: changed files whole, a deleted file as a whiteout (a character
 * device 0/0), a replaced directory marked opaque (xattr trusted.overlay.opaque). `cp -a` keeps all
 * three (device nodes, and xattrs of the trusted namespace, which root may copy).
 */
export async function commit(reference: string, name: string): Promise<number> {
  const store = new StateStore();
  const container = asCommandError(() => store.resolve(reference));
  const { ImageStore } = await import('../images/store.ts');
  const images = new ImageStore(store.root);
  const base = baseImage(container, images);
  const { parseImageName } = await import('../images/reference.ts');
  const imageName = asCommandError(() => parseImageName(name));
  const layout = containerLayout(store.root, container.id);
  const layer = images.newLayerDir();
  const copy = spawnSync('cp', ['-a', '--', `${layout.upper}/.`, layer.dir], { encoding: 'utf8' });
  if (copy.status !== 0) {
    rmSync(layer.dir, { recursive: true, force: true });
    throw new CommandError(`cannot copy the container's layer: ${copy.stderr.trim() || copy.error?.message}`);
  }
  const layerId = layer.commit();
  const id = randomHex(32);
  images.save({
    name: imageName,
    id,
    created: new Date().toISOString(),
    layers: [...base.layers, layerId],
    config: base.config,
  });
  process.stdout.write(`sha256:${id}\n`);
  return 0;
}

/**
 * `mydocker export CONTAINER FILE`: the container's whole filesystem as one tar, the way it sees it.
 * The merged view exists only inside a mount namespace; so export is a small container itself: the
 * shim, in a new mount namespace, mounts the layers read-only (the container's upper as the topmost
 * lower: its whiteouts still hide) and execs tar. The mount goes with the namespace.
 */
export function exportContainer(reference: string, file: string): number {
  const store = new StateStore();
  const container = asCommandError(() => store.resolve(reference));
  if (container.image === 'host')
    throw new CommandError(
      `container ${container.id.slice(0, 12)} ran on the host's own filesystem (image 'host'): there is nothing of its own to export`,
    );
  const output = isAbsolute(file) ? file : resolve(file);
  const layout = containerLayout(store.root, container.id);
  const kernel = new PlanKernel();
  const inits = initLayers(layout, existsSync(layout.init)).reverse();
  const lower = [layout.upper, ...inits, ...[...container.layers].reverse().map((id) => `${store.root}/layers/${id}`)];
  kernel.mount('', '/', '', MS_REC | MS_PRIVATE);
  kernel.chdir(store.root);
  kernel.mount(
    'overlay',
    layout.rootfs,
    'overlay',
    MS_RDONLY,
    `lowerdir=${lower.map((dir) => fromStoreRoot(layout, dir)).join(':')}`,
  );
  kernel.exec(
    ['tar', '--numeric-owner', '-cf', output, '-C', layout.rootfs, '.'],
    [`PATH=${process.env.PATH ?? '/usr/bin:/bin'}`],
  );
  const plan: Plan = {
    namespaces: ['mnt'],
    cloneFlags: CLONE_NEWNS,
    stdin: 'null',
    steps: kernel.steps,
    host: { created: [], ended: [], failed: [] },
  };
  return execShim(shimPath(), plan);
}

function baseImage(
  container: ContainerState,
  images: { find(name: string): import('../images/store.ts').Image | undefined },
) {
  if (container.image === 'host') {
    throw new CommandError(
      `container ${container.id.slice(0, 12)} ran on the host's own filesystem (image 'host'): it has no layer to commit`,
    );
  }
  const base = images.find(container.image);
  if (!base) throw new CommandError(`the image of container ${container.id.slice(0, 12)}, ${container.image}, is gone`);
  return base;
}

/** The store's errors are UsageErrors (125, as `run` reports them); here they are docker's 1. */
function asCommandError<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof CommandError || !(error instanceof Error)) throw error;
    throw new CommandError(error.message);
  }
}
