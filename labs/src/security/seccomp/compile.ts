// Lab ch7-seccomp: a seccomp filter, the resolved profile (rules.ts) compiled to classic BPF.
//
// The kernel runs the program on every system call the container makes, before the call runs, over
// struct seccomp_data (<linux/seccomp.h>): nr at offset 0, arch at 4, instruction_pointer at 8, and
// the six arguments, 64 bits each, from offset 16. The program's `ret` decides: allow, an errno,
// kill, ... (seccomp(2), "Filter return values"). Classic BPF has one 32-bit register (A), loads
// of 32-bit words, and conditional jumps forward only, by at most 255 instructions.
import { SECCOMP_RET_KILL_PROCESS, X32_SYSCALL_BIT, type ResolvedFilter } from './rules.ts';
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
  // TODO(ch7-seccomp): no filter yet: the container may make every system call the kernel has,
  // mount and keyctl and kexec_load included (`grep Seccomp /proc/self/status` says 0). Build the
  // program, and return { program: encode(instructions) }:
  // - What must the program look at before nr? (x86_64's 165 is mount; what is i386's 165? And what
  //   does an x32 program report as its arch?) What should a call from another ABI get?
  // - Then each of filter.syscalls: its rules in order, the first whose args all hold decides, and
  //   filter.defaultAction for the rest. An argument is 64 bits and A holds 32: which word decides?
  // - A list of `jeq nr` costs one test per rule on every call (runc's default profile has about
  //   350 names). Can you do it in about log2(350) tests? Mind that jt and jf are 8 bits.
  void [filter, BPF_LD_W_ABS, BPF_ALU_AND_K, BPF_JMP_JA, BPF_JMP_JEQ_K, BPF_JMP_JGT_K, BPF_JMP_JGE_K];
  void [BPF_JMP_JSET_K, BPF_RET_K, MAX_JUMP, NR, ARCH, argLow, argHigh, SECCOMP_RET_KILL_PROCESS, X32_SYSCALL_BIT];
  return undefined;
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
