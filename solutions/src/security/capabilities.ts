// Lab ch7-capabilities (H2 writes it): docker's default capability set, --cap-add, --cap-drop and
// --privileged, as the five sets the `capabilities` op gives the container. PLACEHOLDER until then.
import type { CapabilitySets } from '../kernel/kernel.ts';
import type { SecurityOptions } from './options.ts';

export type { CapabilitySets };

/** undefined: the container keeps every capability of its caller (the unhardened stub). */
export function resolveCapabilities(options: SecurityOptions): CapabilitySets | undefined {
  void options;
  return undefined;
}
