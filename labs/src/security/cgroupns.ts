// Lab ch7-cgroupns (H5 writes it): a cgroup namespace, entered after the container joined its
// cgroups, so that its own cgroup is its root. PLACEHOLDER until then.
import type { Kernel } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';
import type { SecurityContext } from './resolve.ts';

export function resolveCgroupNamespace(options: SecurityOptions, context: SecurityContext): boolean {
  void options;
  void context;
  return false;
}

export function enterCgroupNamespace(kernel: Kernel, enabled: boolean): void {
  void kernel;
  void enabled;
}
