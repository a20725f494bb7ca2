// Lab ch4-overlay: the container's root as a union of the image's read-only layers and a layer of
// its own that takes every write.
import { MS_BIND } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

export interface RootfsLayers {
  /** Read-only layers, bottom first, as an image manifest lists them; the init layers come last. */
  lower: readonly string[];
  /** The container's own layer, where writes land, and the scratch directory overlayfs needs. */
  upper: string;
  work: string;
}

/** The mount options of an overlay filesystem for these layers. */
export function overlayOptions(layers: RootfsLayers): string {
  // TODO(ch4-overlay): lowerdir, upperdir and workdir. In which order does overlayfs stack the
  // directories of lowerdir, and in which order does an image list its layers? What is workdir for?
  void layers;
  return '';
}

/** Mounts the merged view on `target`. */
export function mountRootfs(kernel: Kernel, layers: RootfsLayers, target: string): void {
  // TODO(ch4-overlay): chapter 3 shows the image's first layer itself as the root, as the book does:
  // every container writes straight into the image, and sees the others' writes. Mount an overlay
  // of all the layers instead, with the options above.
  kernel.mount(layers.lower[0]!, target, '', MS_BIND);
}
