// Lab ch1-private-mounts: stop the container's mounts from reaching the host.
import { MS_PRIVATE, MS_REC } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/**
 * Makes every mount in the container's new mount namespace private, before anything is mounted.
 * A new mount namespace starts as a copy of the host's, and systemd marks `/` shared: without this,
 * each mount the container makes (its /proc, later its root) would propagate back to the host.
 */
export function makeMountsPrivate(kernel: Kernel): void {
  // SOLUTION: MS_PRIVATE changes propagation only (source, fstype and data are ignored), and MS_REC
  // applies it to every mount under `/`, not only to `/` itself (man 2 mount, "Changing the
  // propagation type of an existing mount").
  kernel.mount('', '/', '', MS_REC | MS_PRIVATE);
}
