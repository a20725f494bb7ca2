// The capabilities by name and number: the one table of them (capabilities(7), and
// include/uapi/linux/capability.h, where CAP_CHOWN is 0 and CAP_CHECKPOINT_RESTORE 40), docker's
// default set, and what this machine has: its kernel's last capability and the runtime's own
// bounding set. Names are as `--cap-add` takes them: with or without `CAP_`, in any case.
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';

/** Capability n is CAPABILITIES[n] (without its `CAP_`), as capabilities(7) lists them. */
export const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;

export type CapabilityName = (typeof CAPABILITIES)[number];

/**
 * Docker's default set (moby's oci/caps/defaults.go): what a root process in a container usually
 * needs (chown, setuid for a daemon dropping to its user, binding port 80, ping's raw socket, mknod
 * of the nodes the devices cgroup allows anyway), and none of those that reach past the container:
 * SYS_ADMIN (mount, and most of the rest), DAC_READ_SEARCH (open_by_handle_at: Shocker), SYS_TIME,
 * SYS_MODULE, SYS_RAWIO, SYS_PTRACE, NET_ADMIN, SYS_BOOT...
 */
export const DOCKER_DEFAULT_CAPABILITIES: readonly CapabilityName[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

/** The capability's bit in a mask (bit n is capability n). */
export function capabilityBit(name: CapabilityName): bigint {
  return 1n << BigInt(CAPABILITIES.indexOf(name));
}

/** The mask of these capabilities. */
export function capabilityMask(names: readonly CapabilityName[]): bigint {
  return names.reduce((mask, name) => mask | capabilityBit(name), 0n);
}

/** The names in a mask, by number; a bit beyond the table (a newer kernel's) as its number. */
export function capabilityNamesOf(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; 1n << BigInt(bit) <= mask; bit++) {
    if (mask & (1n << BigInt(bit))) names.push(`CAP_${CAPABILITIES[bit] ?? bit}`);
  }
  return names;
}

/** What this machine lets a container have: the kernel's capabilities, less those mydocker lacks itself. */
export interface CapabilityEnvironment {
  /** Bits 0 to /proc/sys/kernel/cap_last_cap: every capability this kernel knows. */
  kernel: bigint;
  /**
   * Of those, the ones in mydocker's own bounding set (CapBnd of /proc/self/status): what `ALL` and
   * --privileged give. The kernel refuses a child more than its parent holds (capset(2): EPERM), so
   * a runtime run with fewer (in a container itself, or under a restricted service) gives fewer,
   * as moby's GetAllCapabilities does.
   */
  available: bigint;
}

/** This machine's, read at run time: a newer kernel's capabilities count without a new table. */
export function capabilityEnvironment(): CapabilityEnvironment {
  // The kernel's list and this process's bounding set do not change while it runs: read once.
  return (environment ??= readCapabilityEnvironment());
}

let environment: CapabilityEnvironment | undefined;

function readCapabilityEnvironment(): CapabilityEnvironment {
  const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  const kernel = (1n << BigInt(lastCap + 1)) - 1n;
  const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return { kernel, available: bounding === undefined ? kernel : kernel & BigInt(`0x${bounding}`) };
}

/** What `--cap-add` and `--cap-drop` take besides the names: every capability. */
export const ALL_CAPABILITIES = 'ALL';

/**
 * A name as given (`net_admin`, `CAP_NET_ADMIN`, `all`) in docker's form (`CAP_NET_ADMIN`, `ALL`),
 * as moby's NormalizeLegacyCapabilities does; an unknown name is a UsageError (exit 125) naming the flag.
 */
export function normalizeCapability(given: string, flag: '--cap-add' | '--cap-drop'): CapabilityName | 'ALL' {
  const upper = given.toUpperCase();
  if (upper === ALL_CAPABILITIES) return ALL_CAPABILITIES;
  const name = upper.startsWith('CAP_') ? upper.slice(4) : upper;
  if (!(CAPABILITIES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown capability "CAP_${name}" in ${flag} (see capabilities(7), or 'mydocker run --help')`);
  }
  return name as CapabilityName;
}

/** A named capability this machine cannot give (the kernel is older, or mydocker lacks it): a UsageError. */
export function checkAvailable(name: CapabilityName, flag: string, environment: CapabilityEnvironment): void {
  const bit = capabilityBit(name);
  if (!(environment.kernel & bit)) {
    throw new UsageError(
      `capability "CAP_${name}" in ${flag} is not supported by this kernel (its last is ${capabilityNamesOf(environment.kernel).at(-1)}, /proc/sys/kernel/cap_last_cap)`,
    );
  }
  if (!(environment.available & bit)) {
    throw new UsageError(
      `capability "CAP_${name}" in ${flag} is not available here: mydocker itself does not hold it (CapBnd in /proc/self/status)`,
    );
  }
}
