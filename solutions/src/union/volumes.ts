// Lab ch4-volumes: a directory of the host inside the container, the one way data outlives it.
import { posix } from 'node:path';
import { MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';
import { UsageError } from '../errors.ts';

export interface Volume {
  /** Absolute path on the host. */
  source: string;
  /** Absolute path in the container, normalized, never `/`. */
  target: string;
  readOnly: boolean;
}

/** `-v HOST:CONTAINER[:ro|:rw]`, checked: a bad spec is one clear UsageError, before anything is made. */
export function parseVolume(spec: string): Volume {
  // SOLUTION: each way a spec can be wrong gets its own message: the user fixes it in one go.
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) {
    throw new UsageError(`invalid volume specification '${spec}': use -v /host/path:/container/path[:ro]`);
  }
  const [source, target, mode = 'rw'] = parts as [string, string, string?];
  if (!posix.isAbsolute(source)) {
    throw new UsageError(
      `invalid volume specification '${spec}': the host path '${source}' must be absolute (named volumes are not supported)`,
    );
  }
  if (!posix.isAbsolute(target)) {
    throw new UsageError(`invalid volume specification '${spec}': the container path '${target}' must be absolute`);
  }
  if (mode !== 'ro' && mode !== 'rw') {
    throw new UsageError(`invalid volume specification '${spec}': the mode '${mode}' must be ro or rw`);
  }
  // normalize: `/data/../` is `/`, which would hide the container's whole root.
  const normalized = posix.normalize(target).replace(/\/+$/, '') || '/';
  if (normalized === '/') {
    throw new UsageError(
      `invalid volume specification '${spec}': a volume cannot be mounted on the container's root '/'`,
    );
  }
  return { source: posix.normalize(source), target: normalized, readOnly: mode === 'ro' };
}

/**
 * Bind-mounts each volume at its place in `root`. Runs before enterRootfs: the sources are host
 * paths. The mount points exist already (the runtime made them in the container's init layer).
 */
export function mountVolumes(kernel: Kernel, root: string, volumes: readonly Volume[]): void {
  for (const volume of volumes) {
    const target = `${root}${volume.target}`;
    // SOLUTION: a bind mount shows the same directory at a second place; MS_REC includes what is
    // mounted below the source. The kernel ignores MS_RDONLY on the call that creates a bind mount
    // (man 2 mount, "Creating a bind mount"): read-only takes a second call, a remount of that bind.
    kernel.mount(volume.source, target, '', MS_BIND | MS_REC);
    if (volume.readOnly) kernel.mount('', target, '', MS_BIND | MS_REMOUNT | MS_RDONLY);
  }
}
