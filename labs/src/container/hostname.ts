// Lab ch1-hostname: the container's own hostname.
import type { Kernel } from '../kernel/kernel.ts';

/** The hostname a container gets: the one asked for, or, as docker does, its id's first 12 digits. */
export function containerHostname(requested: string | undefined, containerId: string): string {
  // SOLUTION: docker uses the short id so that `hostname` inside tells you which container you are in.
  return requested ?? containerId.slice(0, 12);
}

/** Sets the hostname inside the container's UTS namespace; the host's stays as it was. */
export function setHostname(kernel: Kernel, hostname: string): void {
  // SOLUTION: sethostname(2) changes the UTS namespace of the calling process; in a new one, only the
  // container sees the change.
  kernel.sethostname(hostname);
}
