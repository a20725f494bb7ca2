// A seccomp profile in docker's JSON format (moby's profiles/seccomp, runc's LinuxSeccomp), parsed and
// checked once, at the edge: anything the compiler could not honour exactly is refused with one line,
// before anything is made. The same format holds the default profile (default-profile.ts).
import { UsageError } from '../../errors.ts';

/** The actions a rule (or the profile's default) may take: libseccomp's SCMP_ACT_* names. */
export const ACTIONS = [
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_LOG',
] as const;
export type ActionName = (typeof ACTIONS)[number];

/** libseccomp's comparisons of one 64-bit argument (seccomp_rule_add(3)). */
export const OPERATORS = [
  'SCMP_CMP_EQ',
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_GT',
  'SCMP_CMP_GE',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type OperatorName = (typeof OPERATORS)[number];

/** The architectures libseccomp knows (seccomp_arch_add(3)); a profile naming another is refused. */
export const ARCHITECTURES = [
  'SCMP_ARCH_NATIVE',
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
] as const;

/** One comparison of argument `index` (0-5); for MASKED_EQ, `value` is the mask and `valueTwo` the datum. */
export interface ArgCondition {
  index: number;
  value: bigint;
  valueTwo: bigint;
  op: OperatorName;
}

/** When a rule applies: every listed capability held (caps), the machine's architecture among arches. */
export interface RuleFilter {
  caps?: string[];
  arches?: string[];
  /** docker's "4.8": the kernel this part of the rule is about, from that version on. */
  minKernel?: KernelVersion;
}

/** A kernel's version as docker's profiles compare it: its first two numbers. */
export interface KernelVersion {
  kernel: number;
  major: number;
}

export interface SyscallRule {
  names: string[];
  action: ActionName;
  /** The errno an SCMP_ACT_ERRNO rule returns; the profile's defaultErrnoRet, else EPERM, when absent. */
  errnoRet?: number;
  /** All must hold for the rule to apply (libseccomp ANDs a rule's comparisons). */
  args: ArgCondition[];
  includes: RuleFilter;
  excludes: RuleFilter;
}

export interface Profile {
  defaultAction: ActionName;
  defaultErrnoRet?: number;
  /** The architectures the profile names, main and sub-architectures together (may be empty). */
  architectures: string[];
  syscalls: SyscallRule[];
}

/** Parses a profile's text; `source` names it in the one-line error (the file's path). */
export function parseProfile(text: string, source: string): Profile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw bad(source, `not JSON (${(error as Error).message})`);
  }
  return checkProfile(json, source);
}

export function checkProfile(json: unknown, source: string): Profile {
  const top = object(json, source, 'the profile');
  const defaultAction = action(top.defaultAction, source, 'defaultAction');
  const architectures = [
    ...strings(top.architectures, source, 'architectures'),
    ...array(top.archMap, source, 'archMap').flatMap((entry, i) => {
      const map = object(entry, source, `archMap[${i}]`);
      return [
        ...strings([map.architecture], source, `archMap[${i}].architecture`),
        ...strings(map.subArchitectures, source, `archMap[${i}].subArchitectures`),
      ];
    }),
  ];
  for (const arch of architectures)
    if (!(ARCHITECTURES as readonly string[]).includes(arch))
      throw bad(
        source,
        `unknown architecture "${arch}" (libseccomp's names: SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, ...)`,
      );
  const syscalls = array(top.syscalls, source, 'syscalls').map((entry, i) => rule(entry, source, `syscalls[${i}]`));
  return {
    defaultAction,
    ...(top.defaultErrnoRet !== undefined && {
      defaultErrnoRet: errno(top.defaultErrnoRet, source, 'defaultErrnoRet'),
    }),
    architectures,
    syscalls,
  };
}

function rule(json: unknown, source: string, where: string): SyscallRule {
  const entry = object(json, source, where);
  // The older format's single `name` (docker before 1.13) is still accepted by moby.
  const names =
    entry.names === undefined && typeof entry.name === 'string'
      ? [entry.name]
      : strings(entry.names, source, `${where}.names`);
  if (names.length === 0) throw bad(source, `${where} names no system call`);
  return {
    names,
    action: action(entry.action, source, `${where}.action`),
    ...(entry.errnoRet !== undefined && { errnoRet: errno(entry.errnoRet, source, `${where}.errnoRet`) }),
    args: array(entry.args, source, `${where}.args`).map((arg, i) => condition(arg, source, `${where}.args[${i}]`)),
    includes: filter(entry.includes, source, `${where}.includes`),
    excludes: filter(entry.excludes, source, `${where}.excludes`),
  };
}

function condition(json: unknown, source: string, where: string): ArgCondition {
  const arg = object(json, source, where);
  const index = arg.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5)
    throw bad(source, `${where}.index must be 0 to 5 (a system call has six arguments)`);
  const op = arg.op;
  if (typeof op !== 'string' || !(OPERATORS as readonly string[]).includes(op))
    throw bad(source, `${where}.op ${JSON.stringify(op)} is not one of ${OPERATORS.join(', ')}`);
  return {
    index,
    value: uint64(arg.value, source, `${where}.value`),
    valueTwo: arg.valueTwo === undefined ? 0n : uint64(arg.valueTwo, source, `${where}.valueTwo`),
    op: op as OperatorName,
  };
}

function filter(json: unknown, source: string, where: string): RuleFilter {
  if (json === undefined || json === null) return {};
  const entry = object(json, source, where);
  const minKernel = entry.minKernel;
  if (minKernel !== undefined && minKernel !== null && (typeof minKernel !== 'string' || !/^\d+\.\d+$/.test(minKernel)))
    throw bad(
      source,
      `${where}.minKernel must be a kernel version as "4.8" (major.minor), not ${JSON.stringify(minKernel)}`,
    );
  return {
    ...(typeof minKernel === 'string' && { minKernel: kernelVersion(minKernel)! }),
    ...(entry.caps !== undefined && entry.caps !== null && { caps: strings(entry.caps, source, `${where}.caps`) }),
    ...(entry.arches !== undefined &&
      entry.arches !== null && { arches: strings(entry.arches, source, `${where}.arches`) }),
  };
}

/** "6.1.0-13-amd64" or "4.8": its first two numbers; undefined for what does not start so. */
export function kernelVersion(release: string): KernelVersion | undefined {
  const match = /^(\d+)\.(\d+)/.exec(release);
  return match ? { kernel: Number(match[1]), major: Number(match[2]) } : undefined;
}

function action(json: unknown, source: string, where: string): ActionName {
  if (typeof json === 'string' && (ACTIONS as readonly string[]).includes(json)) return json as ActionName;
  throw bad(source, `${where} ${JSON.stringify(json)} is not an action this runtime takes (${ACTIONS.join(', ')})`);
}

function errno(json: unknown, source: string, where: string): number {
  // The kernel keeps SECCOMP_RET_DATA, the low 16 bits, and clamps errno to MAX_ERRNO (4095).
  if (typeof json === 'number' && Number.isInteger(json) && json >= 0 && json <= 4095) return json;
  throw bad(source, `${where} must be an errno from 0 to 4095`);
}

function uint64(json: unknown, source: string, where: string): bigint {
  // JSON numbers past 2^53 lose their low bits in JSON.parse: such a value is refused, not rounded.
  if (typeof json === 'number' && Number.isSafeInteger(json) && json >= 0) return BigInt(json);
  throw bad(source, `${where} must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
}

function object(json: unknown, source: string, where: string): Record<string, unknown> {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  throw bad(source, `${where} must be a JSON object`);
}

function array(json: unknown, source: string, where: string): unknown[] {
  if (json === undefined || json === null) return [];
  if (Array.isArray(json)) return json;
  throw bad(source, `${where} must be a list`);
}

function strings(json: unknown, source: string, where: string): string[] {
  const list = array(json, source, where);
  if (list.every((item) => typeof item === 'string')) return list as string[];
  throw bad(source, `${where} must be a list of strings`);
}

export function bad(source: string, why: string): UsageError {
  return new UsageError(`seccomp profile ${source}: ${why}`);
}
