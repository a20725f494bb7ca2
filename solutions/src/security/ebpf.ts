// A small eBPF assembler: the instructions the device program needs (devices.ts), encoded as the
// kernel reads them, struct bpf_insn (include/uapi/linux/bpf.h):
//
//   byte 0   code      operation class | operation | source (K: the immediate, X: a register)
//   byte 1   dst_reg (low 4 bits), src_reg (high 4 bits: the bitfields' order on a little-endian CPU)
//   2-3      off       a jump's offset, in instructions after the next one; a load's byte offset
//   4-7      imm       the immediate
//
// Host byte order, as the kernel reads the array (bpf(2), BPF_PROG_LOAD); this project runs on
// little-endian CPUs (x86-64, arm64). Documentation/bpf/standardization/instruction-set.rst.
export interface Instruction {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** The registers: R0 the return value, R1 the program's argument (the context), R2-R5 scratch. */
export const R0 = 0;
export const R1 = 1;
export const R2 = 2;
export const R3 = 3;
export const R4 = 4;
export const R5 = 5;

// The opcodes' parts (include/uapi/linux/bpf_common.h, bpf.h).
const BPF_LDX = 0x01;
const BPF_ALU = 0x04; // 32-bit arithmetic
const BPF_JMP = 0x05; // 64-bit comparisons
const BPF_W = 0x00;
const BPF_MEM = 0x60;
const BPF_K = 0x00;
const BPF_X = 0x08;
const BPF_AND = 0x50;
const BPF_RSH = 0x70;
const BPF_MOV = 0xb0;
const BPF_JNE = 0x50;
const BPF_EXIT = 0x90;

const insn = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  code,
  dst,
  src,
  off,
  imm,
});

/** dst = *(u32 *)(src + offset) */
export const loadWord = (dst: number, src: number, offset: number) =>
  insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, offset, 0);
/** dst &= imm (32 bits) */
export const and32 = (dst: number, imm: number) => insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm);
/** dst >>= imm (32 bits) */
export const rightShift32 = (dst: number, imm: number) => insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm);
/** dst = imm (32 bits) */
export const move32 = (dst: number, imm: number) => insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);
/** dst = src (32 bits) */
export const moveRegister32 = (dst: number, src: number) => insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0);
/** if (dst != imm) skip `skip` instructions */
export const jumpIfNot = (dst: number, imm: number, skip: number) => insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, skip, imm);
/** if (dst != src) skip `skip` instructions */
export const jumpIfNotRegister = (dst: number, src: number, skip: number) =>
  insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, skip, 0);
/** return R0 */
export const exit = () => insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

/** The program as struct bpf_insn[], 8 bytes each. */
export function encode(program: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((instruction, i) => {
    view.setUint8(i * 8, instruction.code);
    view.setUint8(i * 8 + 1, (instruction.src << 4) | (instruction.dst & 0x0f));
    view.setInt16(i * 8 + 2, instruction.off, true);
    view.setInt32(i * 8 + 4, instruction.imm, true);
  });
  return bytes;
}
