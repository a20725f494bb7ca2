// Lab ch1-proc: a /proc that shows the container's own processes.
import { MS_NODEV, MS_NOEXEC, MS_NOSUID } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/**
 * Mounts a new proc filesystem on /proc. A proc mount shows the processes of the PID namespace of
 * the process that mounted it, so the container's own mount makes `ps` list only the container.
 */
export function mountProc(kernel: Kernel): void {
  // TODO: mount a proc filesystem on /proc. Why does `ps` inside still list the host's processes
  // before you do, although the command is already PID 1? Which flags keep /proc from being used to
  // run programs or open devices?
  void kernel;
  void MS_NOSUID;
  void MS_NOEXEC;
  void MS_NODEV;
}
