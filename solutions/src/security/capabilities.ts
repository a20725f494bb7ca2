// Lab ch7-capabilities (H2 writes it): docker's default capability set, --cap-add, --cap-drop and
// --privileged, as the five sets the `capabilities` op gives the container. PLACEHOLDER until then.
import type { SecurityOptions } from './options.ts';

/** The five capability sets of capabilities(7), one bit per capability (CAP_CHOWN is bit 0). */
export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/** undefined: the container keeps every capability of its caller (the unhardened stub). */
export function resolveCapabilities(options: SecurityOptions): CapabilitySets | undefined {
  void options;
  return undefined;
}
