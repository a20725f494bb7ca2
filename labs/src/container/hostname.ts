// Lab ch1-hostname: the container's own hostname.
import type { Kernel } from '../kernel/kernel.ts';

/** The hostname a container gets: the one asked for, or, as docker does, its id's first 12 digits. */
export function containerHostname(requested: string | undefined, containerId: string): string {
  // TODO: use the requested name; without one, the first 12 characters of the id, as docker does.
  // Why is the short id a useful default when you have a shell in one of twenty containers?
  void containerId;
  return requested ?? 'localhost';
}

/** Sets the hostname inside the container's UTS namespace; the host's stays as it was. */
export function setHostname(kernel: Kernel, hostname: string): void {
  // TODO: one kernel call. Why does it not change the host's name (and what if it ran without a new
  // UTS namespace? the runtime refuses such a plan: find where, in setup.ts).
  void kernel;
  void hostname;
}
