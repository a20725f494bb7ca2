// Lab ch7-devices (H3 writes it): the devices a container may use (v1 devices cgroup, v2 BPF device
// program) and --device. PLACEHOLDER until then.
import type { Kernel } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';
import type { SecurityContext } from './resolve.ts';

export interface DeviceSpec {
  /** --device nodes the container gets in its /dev. */
  nodes: Array<{ path: string; type: 'c' | 'b'; major: number; minor: number; mode: number }>;
  /** undefined: no allow-list (every device, the unhardened stub and --privileged). */
  allow: string[] | undefined;
}

export function resolveDevices(options: SecurityOptions, context: SecurityContext): DeviceSpec {
  void options;
  void context;
  return { nodes: [], allow: undefined };
}

/** After /dev is mounted: the --device nodes. */
export function addDevices(kernel: Kernel, devices: DeviceSpec): void {
  void kernel;
  void devices;
}
