// Lab ch7-seccomp: a seccomp filter, the resolved profile (rules.ts) compiled to classic BPF.
//
// The kernel runs the program on every system call the container makes, before the call runs, over
// struct seccomp_data (<linux/seccomp.h>): nr at offset 0, arch at 4, instruction_pointer at 8, and
// the six arguments, 64 bits each, from offset 16. The program's `ret` decides: allow, an errno,
// kill, ... (seccomp(2), "Filter return values"). Classic BPF has one 32-bit register (A), loads
// of 32-bit words, and conditional jumps forward only, by at most 255 instructions.
import type { ArgCondition } from './profile.ts';
import { SECCOMP_RET_KILL_PROCESS, X32_SYSCALL_BIT, type ResolvedFilter, type ResolvedRule } from './rules.ts';
import type { SeccompFilter } from './resolve.ts';

// <linux/bpf_common.h> and <linux/filter.h>: the instruction classes and fields used here.
const BPF_LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS: A = the 32-bit word at offset k
const BPF_ALU_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K: A &= k
const BPF_JMP_JA = 0x05; // BPF_JMP | BPF_JA: jump k forward
const BPF_JMP_JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: A == k ? jt : jf
const BPF_JMP_JGT_K = 0x25; // A > k ? jt : jf (unsigned)
const BPF_JMP_JGE_K = 0x35; // A >= k ? jt : jf (unsigned)
const BPF_JMP_JSET_K = 0x45; // A & k ? jt : jf
const BPF_RET_K = 0x06; // return k
const MAX_JUMP = 255; // jt and jf are 8 bits

// struct seccomp_data's offsets. x86_64 is little-endian: an argument's low word comes first.
const NR = 0;
const ARCH = 4;
const argLow = (index: number): number => 16 + 8 * index;
const argHigh = (index: number): number => 16 + 8 * index + 4;

/** struct sock_filter; jt and jf are offsets from the next instruction. */
export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The BPF program for the resolved profile. */
export function compileFilter(filter: ResolvedFilter): SeccompFilter | undefined {
  // SOLUTION: the architecture first: a system call's number means a different call in each ABI
  // (x86_64's 165 is mount, i386's is getresuid), so a program that skipped this check would allow
  // i386's calls by x86_64's numbers. A foreign architecture is killed, as libseccomp's BADARCH is.
  const program: Instruction[] = [
    op(BPF_LD_W_ABS, ARCH),
    jump(BPF_JMP_JEQ_K, filter.arch, 1, 0),
    op(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
    op(BPF_LD_W_ABS, NR),
    // SOLUTION: x32 reports AUDIT_ARCH_X86_64 too, with X32_SYSCALL_BIT in nr: without this check,
    // x32's mount (165 | bit 30) would fall through to the default instead of being refused.
    jump(BPF_JMP_JSET_K, X32_SYSCALL_BIT, 0, 1),
    op(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
    ...dispatch(intervals(filter)),
  ];
  return { program: encode(program) };
}

/**
 * SOLUTION: the number line cut into intervals, each with the code that decides it: [start, code]
 * in ascending order, the first at 0. Neighbours with the same code merge, so a run of allowed calls
 * (0 to 20, say) is one interval: the default profile's 300 calls on x86_64 make some 65 intervals.
 */
function intervals(filter: ResolvedFilter): Array<{ start: number; code: Instruction[] }> {
  const result: Array<{ start: number; code: Instruction[] }> = [];
  // What decides an interval, to compare neighbours: a lone `ret`'s value, else the code as JSON.
  let last: number | string | undefined;
  const add = (start: number, key: number | string, code: () => Instruction[]): void => {
    if (key !== last) result.push({ start, code: code() });
    last = key;
  };
  const fallback = (): Instruction[] => [op(BPF_RET_K, filter.defaultAction)];
  let next = 0;
  for (const syscall of [...filter.syscalls].sort((a, b) => a.number - b.number)) {
    if (syscall.number > next) add(next, filter.defaultAction, fallback);
    const first = syscall.rules[0]!;
    if (first.args.length === 0) add(syscall.number, first.action, () => [op(BPF_RET_K, first.action)]);
    else {
      const code = decide(syscall.rules, filter.defaultAction);
      add(syscall.number, JSON.stringify(code), () => code);
    }
    next = syscall.number + 1;
  }
  add(next, filter.defaultAction, fallback);
  return result;
}

/**
 * SOLUTION: a binary search over the intervals' starts: log2(intervals) comparisons for any call,
 * where a list of `jeq` would cost one per rule before the last (libseccomp builds the same kind of
 * tree for big filters, SCMP_FLTATR_CTL_OPTIMIZE 2). A is nr throughout the search.
 */
function dispatch(list: Array<{ start: number; code: Instruction[] }>): Instruction[] {
  if (list.length === 1) return list[0]!.code;
  const middle = list.length >> 1;
  const below = dispatch(list.slice(0, middle));
  const above = dispatch(list.slice(middle));
  const start = list[middle]!.start;
  // nr >= start: jump over the lower half. Farther than 255: through a `ja`, whose k is 32 bits.
  if (below.length <= MAX_JUMP) return [jump(BPF_JMP_JGE_K, start, below.length, 0), ...below, ...above];
  return [jump(BPF_JMP_JGE_K, start, 0, 1), op(BPF_JMP_JA, below.length), ...below, ...above];
}

/** SOLUTION: one call's rules in order: each's conditions, then its action; the default at the end. */
function decide(rules: ResolvedRule[], defaultAction: number): Instruction[] {
  const code: Array<Instruction | Label> = [];
  for (const rule of rules) {
    if (rule.args.length === 0) {
      code.push(op(BPF_RET_K, rule.action)); // unconditional: the rules after it never decide
      return resolveLabels(code);
    }
    const nextRule = new Label();
    for (const condition of rule.args) code.push(...compare(condition, nextRule));
    code.push(op(BPF_RET_K, rule.action), nextRule);
  }
  code.push(op(BPF_RET_K, defaultAction));
  return resolveLabels(code);
}

/**
 * SOLUTION: a 64-bit comparison from 32-bit ones: the high words decide unless they are equal, then
 * the low words do. Falls through when it holds; jumps to `fail` when it does not.
 */
function compare(condition: ArgCondition, fail: Label): Array<Instruction | Label> {
  const { index } = condition;
  const high = Number(condition.value >> 32n);
  const low = Number(condition.value & 0xffffffffn);
  const holds = new Label();
  const loadHigh = op(BPF_LD_W_ABS, argHigh(index));
  const loadLow = op(BPF_LD_W_ABS, argLow(index));
  switch (condition.op) {
    case 'SCMP_CMP_EQ':
      return [loadHigh, jump(BPF_JMP_JEQ_K, high, 0, fail), loadLow, jump(BPF_JMP_JEQ_K, low, 0, fail)];
    case 'SCMP_CMP_NE':
      return [loadHigh, jump(BPF_JMP_JEQ_K, high, 0, holds), loadLow, jump(BPF_JMP_JEQ_K, low, fail, 0), holds];
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE': {
      const last = condition.op === 'SCMP_CMP_GT' ? BPF_JMP_JGT_K : BPF_JMP_JGE_K;
      return [
        loadHigh,
        jump(BPF_JMP_JGT_K, high, holds, 0),
        jump(BPF_JMP_JEQ_K, high, 0, fail),
        loadLow,
        jump(last, low, 0, fail),
        holds,
      ];
    }
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      // a < v is not (a >= v); a <= v is not (a > v)
      const last = condition.op === 'SCMP_CMP_LT' ? BPF_JMP_JGE_K : BPF_JMP_JGT_K;
      return [
        loadHigh,
        jump(BPF_JMP_JGT_K, high, fail, 0),
        jump(BPF_JMP_JEQ_K, high, 0, holds),
        loadLow,
        jump(last, low, fail, 0),
        holds,
      ];
    }
    case 'SCMP_CMP_MASKED_EQ': {
      // docker's format: value is the mask, valueTwo the datum: (arg & value) == valueTwo
      const datumHigh = Number(condition.valueTwo >> 32n);
      const datumLow = Number(condition.valueTwo & 0xffffffffn);
      return [
        loadHigh,
        op(BPF_ALU_AND_K, high),
        jump(BPF_JMP_JEQ_K, datumHigh, 0, fail),
        loadLow,
        op(BPF_ALU_AND_K, low),
        jump(BPF_JMP_JEQ_K, datumLow, 0, fail),
      ];
    }
  }
}

// ---- a small assembler: labels inside one call's code, resolved to offsets ----------------------

class Label {}

type Target = number | Label;

function op(code: number, k: number): Instruction {
  return { code, jt: 0, jf: 0, k: k >>> 0 };
}

function jump(code: number, k: number, jt: Target, jf: Target): Instruction & { targets?: [Target, Target] } {
  return {
    code,
    jt: typeof jt === 'number' ? jt : 0,
    jf: typeof jf === 'number' ? jf : 0,
    k: k >>> 0,
    targets: [jt, jf],
  };
}

function resolveLabels(code: Array<Instruction | Label>): Instruction[] {
  const at = new Map<Label, number>();
  const instructions: Array<Instruction & { targets?: [Target, Target] }> = [];
  for (const item of code) {
    if (item instanceof Label) at.set(item, instructions.length);
    else instructions.push(item);
  }
  return instructions.map((instruction, index) => {
    const offset = (target: Target): number => {
      if (typeof target === 'number') return target;
      const distance = at.get(target)! - index - 1;
      if (distance > MAX_JUMP) throw new Error('seccomp: a system call with too many conditions to jump over');
      return distance;
    };
    const [jt, jf] = instruction.targets ?? [instruction.jt, instruction.jf];
    return { code: instruction.code, jt: offset(jt), jf: offset(jf), k: instruction.k };
  });
}

/** struct sock_filter[] as the kernel reads it: u16 code, u8 jt, u8 jf, u32 k, little-endian on x86_64. */
export function encode(program: Instruction[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((instruction, i) => {
    view.setUint16(i * 8, instruction.code, true);
    view.setUint8(i * 8 + 2, instruction.jt);
    view.setUint8(i * 8 + 3, instruction.jf);
    view.setUint32(i * 8 + 4, instruction.k, true);
  });
  return bytes;
}
