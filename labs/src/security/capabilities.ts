// Lab ch7-capabilities: what a container's root may do. Root is no single privilege: the kernel
// checks one of some forty capabilities (capabilities(7)) wherever it used to check uid 0, and a
// process holds five sets of them. Docker gives a container fourteen, --cap-add and --cap-drop
// change them, --privileged gives all. The names, their numbers and this machine's are in
// capability-names.ts; setUpContainer's last steps apply the sets (privileges.ts, the shim's
// `capabilities` op).
import type { CapabilitySets } from '../kernel/kernel.ts';
import {
  ALL_CAPABILITIES,
  DOCKER_DEFAULT_CAPABILITIES,
  capabilityEnvironment,
  capabilityMask,
  capabilityNamesOf,
  checkAvailable,
  normalizeCapability,
  type CapabilityEnvironment,
} from './capability-names.ts';
import type { SecurityOptions } from './options.ts';

export type { CapabilitySets };

/** The container's five sets on this machine; run.ts, start and exec call it (through resolve.ts). */
export function resolveCapabilities(options: SecurityOptions): CapabilitySets | undefined {
  return capabilitySets(options, capabilityEnvironment());
}

/**
 * The five sets the container's command starts with, from docker's default and the flags; a name
 * that is not a capability (or not one this machine can give) is a UsageError. undefined: the
 * container keeps every capability of its caller.
 */
export function capabilitySets(
  options: SecurityOptions,
  environment: CapabilityEnvironment,
): CapabilitySets | undefined {
  // TODO(ch7-capabilities): the container holds every capability of its caller, CAP_SYS_ADMIN among
  // them. Give it docker's fourteen instead (DOCKER_DEFAULT_CAPABILITIES), as masks (bit n is
  // capability n: capabilityMask). Take --cap-add and --cap-drop as docker does: names in any case,
  // with or without CAP_, or ALL (normalizeCapability refuses the rest); what wins when both are
  // given? And --privileged? Then the five sets: which of them limits for good, which does a root
  // command get on execve anyway, and which should stay empty (capabilities(7))?
  void [options, environment, ALL_CAPABILITIES, DOCKER_DEFAULT_CAPABILITIES, capabilityMask, checkAvailable];
  void normalizeCapability;
  return undefined;
}

/**
 * The container's capabilities by docker's names (`CAP_CHOWN`...), for what depends on them (the
 * seccomp profile's `includes.caps`): its bounding set, or with no sets (the stub) its caller's.
 */
export function capabilityNames(sets: CapabilitySets | undefined): string[] {
  return capabilityNamesOf(sets?.bounding ?? capabilityEnvironment().available);
}
