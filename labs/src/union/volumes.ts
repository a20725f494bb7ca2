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
  // TODO(ch4-volumes): this trusts the spec. Which specs must be refused, each with its own message
  // (a missing part, a relative path on either side, a mode other than ro/rw)? What does the target
  // `/data/..` become, and what would a volume there hide?
  const [source = '', target = '', mode = 'rw'] = spec.split(':');
  void [posix, UsageError];
  return { source, target, readOnly: mode === 'ro' };
}

/**
 * Bind-mounts each volume at its place in `root`. Runs before enterRootfs: the sources are host
 * paths. The mount points exist already (the runtime made them in the container's init layer).
 */
export function mountVolumes(kernel: Kernel, root: string, volumes: readonly Volume[]): void {
  // TODO(ch4-volumes): make each host directory appear at root + volume.target. Try `:ro` with the
  // flag you would expect to work: can the container still write? (man 2 mount, "Creating a bind
  // mount", says what the kernel does with MS_RDONLY there.)
  void [kernel, root, volumes, MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT];
}
