// Lab ch7-paths (H3 writes it): docker's masked and read-only paths in /proc and /sys. PLACEHOLDER.
import type { Kernel } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';

export interface KernelPaths {
  masked: string[];
  readonly: string[];
}

export function resolveKernelPaths(options: SecurityOptions): KernelPaths {
  void options;
  return { masked: [], readonly: [] };
}

/** After /proc and /sys are mounted: the stub leaves them whole. */
export function protectKernelPaths(kernel: Kernel, paths: KernelPaths): void {
  void kernel;
  void paths;
}
