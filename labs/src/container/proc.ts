// Lab ch1-proc: a /proc that shows the container's own processes.
import { MS_NODEV, MS_NOEXEC, MS_NOSUID } from '../kernel/constants.ts';
import type { Kernel } from '../kernel/kernel.ts';

/**
 * Mounts a new proc filesystem on /proc. A proc mount shows the processes of the PID namespace of
 * the process that mounted it, so the container's own mount makes `ps` list only the container.
 */
export function mountProc(kernel: Kernel): void {
  // SOLUTION: the source name is free text shown in mountinfo; "proc" is the convention. nosuid,
  // noexec and nodev because nothing in /proc should be run as a program or opened as a device.
  kernel.mount('proc', '/proc', 'proc', MS_NOSUID | MS_NOEXEC | MS_NODEV);
}
