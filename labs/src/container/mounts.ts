// Lab ch1-private-mounts: stop the container's mounts from reaching the host.
import { MS_PRIVATE, MS_REC } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/**
 * Makes every mount in the container's new mount namespace private, before anything is mounted.
 * A new mount namespace starts as a copy of the host's, and systemd marks `/` shared: without this,
 * each mount the container makes (its /proc, later its root) would propagate back to the host.
 */
export function makeMountsPrivate(kernel: Kernel): void {
  // TODO: one kernel.mount() call that changes the propagation of `/` and everything under it.
  // Which arguments does the kernel ignore for a propagation change? Why MS_REC: what would stay
  // shared without it? (Look at the `shared:N` fields in /proc/self/mountinfo.)
  void kernel;
  void MS_PRIVATE;
  void MS_REC;
}
