// A profile (profile.ts) resolved for one container on this machine: its rules kept or dropped by
// the container's capabilities and the machine's architecture (docker's includes/excludes), each
// system call's name turned into its x86_64 number, each action into the 32-bit value a seccomp
// filter returns. What is left is what compile.ts (lab ch7-seccomp) turns into a BPF program.
import { release } from 'node:os';
import {
  kernelVersion,
  type ActionName,
  type ArgCondition,
  type KernelVersion,
  type Profile,
  type SyscallRule,
} from './profile.ts';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.ts';

// The values a filter returns, from <linux/seccomp.h>: the action in the high 16 bits
// (SECCOMP_RET_ACTION_FULL), its data (an errno) in the low 16 (SECCOMP_RET_DATA).
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;

/** EPERM: the errno of an SCMP_ACT_ERRNO that names none (libseccomp's and docker's). */
export const EPERM = 1;
const ENOSYS = 38;

/**
 * The numbers above the table's newest, up to here, are calls newer than the kernel headers the table
 * was made from (scripts/syscall-table.ts), which a newer kernel has: fchmodat2 (452) on Debian 12's
 * headers. A profile cannot allow them by name, so they get ENOSYS, as runc's stub answers calls
 * newer than its libseccomp: libc then falls back to the older call, where EPERM would be a failure.
 */
const NEWER_CALLS_UNTIL = 512;

/** <linux/audit.h>: AUDIT_ARCH_X86_64 = EM_X86_64 (62) | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** arch/x86/include/uapi/asm/unistd.h: x32's system calls are x86_64's numbers with this bit set. */
export const X32_SYSCALL_BIT = 0x40000000;

/** The machine's architecture as docker's includes.arches and excludes.arches name it (Go's GOARCH). */
export const NATIVE_ARCH = 'amd64';

export interface ResolvedRule {
  /** The SECCOMP_RET_* value to return when every condition holds. */
  action: number;
  /** All must hold (none: the rule always applies). */
  args: ArgCondition[];
}

export interface ResolvedSyscall {
  name: string;
  number: number;
  /** In the profile's order: the first whose conditions hold decides; none holds, the default. */
  rules: ResolvedRule[];
}

export interface ResolvedFilter {
  /** The architecture the filter is for (AUDIT_ARCH_X86_64): any other is killed. */
  arch: number;
  /** What a system call that no rule names (or no rule's conditions match) gets. */
  defaultAction: number;
  /** The system calls some rule names, each once, in no particular order. */
  syscalls: ResolvedSyscall[];
}

export function actionValue(action: ActionName, errnoRet: number): number {
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET_ALLOW;
    case 'SCMP_ACT_ERRNO':
      return (SECCOMP_RET_ERRNO | errnoRet) >>> 0;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET_TRAP;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET_LOG;
  }
}

/** The kernel this runs on (uname(2)'s release), as docker's minKernel compares it. */
function runningKernel(): KernelVersion | undefined {
  return kernelVersion(release());
}

/**
 * The rules of `profile` that apply to a container holding `capabilities`, on x86_64 and the running
 * kernel: a rule's includes.caps must all be held, none of its excludes.caps; its arches likewise;
 * includes.minKernel must be this kernel or older, excludes.minKernel newer (moby's setupSeccomp:
 * docker's own profile allows ptrace from 4.8 on, where seccomp can no longer be bypassed by it).
 * What docker writes into the OCI spec it hands runc.
 */
export function applicableRules(
  profile: Profile,
  capabilities: readonly string[] | undefined,
  kernel: KernelVersion | undefined = runningKernel(),
): SyscallRule[] {
  const held = capabilities && new Set(capabilities.map((cap) => cap.toUpperCase()));
  const holds = (cap: string): boolean => held === undefined || held.has(cap.toUpperCase());
  // A release that names no version (it never happens on Linux) counts as new enough.
  const reached = (minimum: KernelVersion): boolean =>
    kernel === undefined ||
    kernel.kernel > minimum.kernel ||
    (kernel.kernel === minimum.kernel && kernel.major >= minimum.major);
  return profile.syscalls.filter(
    (rule) =>
      (rule.includes.caps ?? []).every(holds) &&
      !(rule.excludes.caps ?? []).some(holds) &&
      (rule.includes.arches === undefined || rule.includes.arches.includes(NATIVE_ARCH)) &&
      !(rule.excludes.arches ?? []).includes(NATIVE_ARCH) &&
      (rule.includes.minKernel === undefined || reached(rule.includes.minKernel)) &&
      !(rule.excludes.minKernel !== undefined && reached(rule.excludes.minKernel)),
  );
}

/**
 * The rules that apply to a container holding `capabilities` (the names in its bounding set, as
 * moby's setupSeccomp matches them; undefined: every capability), on x86_64. A name this
 * architecture has no number for (chown32, an arm call) is skipped, as runc skips it.
 */
const NEWEST_IN_TABLE = Math.max(...Object.values(SYSCALLS_X86_64));

export function resolveRules(
  profile: Profile,
  capabilities: readonly string[] | undefined,
  kernel: KernelVersion | undefined = runningKernel(),
): ResolvedFilter {
  const defaultErrno = profile.defaultErrnoRet ?? EPERM;
  const byNumber = new Map<number, ResolvedSyscall>();
  for (const rule of applicableRules(profile, capabilities, kernel)) {
    const resolved: ResolvedRule = { action: actionValue(rule.action, rule.errnoRet ?? defaultErrno), args: rule.args };
    for (const name of rule.names) {
      const number = Object.hasOwn(SYSCALLS_X86_64, name) ? SYSCALLS_X86_64[name] : undefined;
      if (number === undefined) continue;
      const entry = byNumber.get(number) ?? { name, number, rules: [] };
      entry.rules.push(resolved);
      byNumber.set(number, entry);
    }
  }
  const defaultAction = actionValue(profile.defaultAction, defaultErrno);
  if (defaultAction !== SECCOMP_RET_ALLOW) {
    const newer: ResolvedRule = { action: (SECCOMP_RET_ERRNO | ENOSYS) >>> 0, args: [] };
    for (let number = NEWEST_IN_TABLE + 1; number < NEWER_CALLS_UNTIL; number++)
      byNumber.set(number, { name: `newer than the table (${number})`, number, rules: [newer] });
  }
  return {
    arch: AUDIT_ARCH_X86_64,
    defaultAction,
    syscalls: [...byNumber.values()],
  };
}
