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
  type CapabilityName,
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
  // SOLUTION: the names first, each flag's in docker's form: an unknown one is refused before
  // anything is made, also with --privileged (where moby's TweakCapabilities skips the check).
  const drops = options.capDrop.map((name) => normalizeCapability(name, '--cap-drop'));
  const adds = options.capAdd.map((name) => normalizeCapability(name, '--cap-add'));
  const named = (list: Array<CapabilityName | 'ALL'>): CapabilityName[] =>
    list.filter((name): name is CapabilityName => name !== ALL_CAPABILITIES);
  for (const name of named(adds)) checkAvailable(name, '--cap-add', environment);
  // moby's caps.TweakCapabilities (oci/caps/utils.go), rule for rule: --privileged is everything;
  // --cap-add ALL is everything but what --cap-drop names; --cap-drop ALL keeps only what --cap-add
  // names; else the default less the drops, plus the adds (so a name in both is added: the drop
  // applies first). "Everything" is what this machine has (capability-names.ts).
  const dropped = capabilityMask(named(drops));
  const added = capabilityMask(named(adds));
  let mask: bigint;
  if (options.privileged) mask = environment.available;
  else if (adds.includes(ALL_CAPABILITIES)) mask = environment.available & ~dropped;
  else if (drops.includes(ALL_CAPABILITIES)) mask = added;
  else mask = (capabilityMask(DOCKER_DEFAULT_CAPABILITIES) & ~dropped) | added;
  mask &= environment.available; // a default this machine lacks is left out (an added one was refused above)
  // As runc sets them for docker: the bounding set is the limit for good (no execve gains past it);
  // effective and permitted the same. Inheritable EMPTY, as docker since 20.10.14: a non-empty one
  // let a non-root user of the container gain a file's inheritable capabilities on execve
  // (CVE-2022-24769); a root command gets the bounding set on execve anyway (capabilities(7),
  // "Transformation of capabilities during execve()"). Ambient empty: they are for non-root commands.
  return { bounding: mask, effective: mask, permitted: mask, inheritable: 0n, ambient: 0n };
}

/**
 * The container's capabilities by docker's names (`CAP_CHOWN`...), for what depends on them (the
 * seccomp profile's `includes.caps`): its bounding set, or with no sets (the stub) its caller's.
 */
export function capabilityNames(sets: CapabilitySets | undefined): string[] {
  return capabilityNamesOf(sets?.bounding ?? capabilityEnvironment().available);
}
