// Lab ch4-overlay: the container's root as a union of the image's read-only layers and a layer of
// its own that takes every write.
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
  // SOLUTION: lowerdir lists the layers top first (Documentation/filesystems/overlayfs.rst, "Multiple
  // lower layers": "the specified lower directories will be stacked beginning from the rightmost one
  // and going left"), the reverse of an image manifest: a file in a later layer must hide the same
  // file in an earlier one. upperdir takes writes (a file of a lower layer is first copied up);
  // workdir, on the same filesystem as upperdir, is where overlayfs prepares a change before it
  // renames it into place, so that a crash never leaves half of it.
  const lower = [...layers.lower].reverse().join(':');
  return `lowerdir=${lower},upperdir=${layers.upper},workdir=${layers.work}`;
}

/** Mounts the merged view on `target`. */
export function mountRootfs(kernel: Kernel, layers: RootfsLayers, target: string): void {
  // SOLUTION: the source name is free text that shows in mountinfo; "overlay" is the convention.
  kernel.mount('overlay', target, 'overlay', 0, overlayOptions(layers));
}
