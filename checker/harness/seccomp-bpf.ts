// A classic-BPF interpreter for seccomp programs, as the kernel runs them (kernel/bpf/core.c's
// classic instructions, checked as seccomp_check_filter() in kernel/seccomp.c allows them): the
// checks and the unit tests run a compiled filter over thousands of system calls in milliseconds,
// beside the real runs that prove the kernel agrees.

export interface SeccompData {
  nr: number;
  arch: number;
  instructionPointer?: bigint;
  /** Up to six 64-bit arguments; missing ones are 0. */
  args?: readonly bigint[];
}

export interface Run {
  /** The value the program returned (SECCOMP_RET_*). */
  result: number;
  /** How many instructions ran: the filter's cost for this call. */
  steps: number;
}

const MAX_INSNS = 4096; // BPF_MAXINSNS

/** Decodes struct sock_filter[] (little-endian) and checks what the kernel's loader would refuse. */
export function decode(program: Uint8Array): Array<{ code: number; jt: number; jf: number; k: number }> {
  if (program.length === 0 || program.length % 8 !== 0 || program.length / 8 > MAX_INSNS)
    throw new Error(`a program of ${program.length} bytes: not 1 to 4096 instructions of 8 bytes`);
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const instructions = [];
  for (let at = 0; at < program.length; at += 8)
    instructions.push({
      code: view.getUint16(at, true),
      jt: view.getUint8(at + 2),
      jf: view.getUint8(at + 3),
      k: view.getUint32(at + 4, true),
    });
  instructions.forEach((instruction, pc) => {
    const last = instructions.length - 1;
    const jumps = (instruction.code & 0x07) === 0x05;
    if (jumps) {
      const far = instruction.code === 0x05 ? instruction.k : Math.max(instruction.jt, instruction.jf);
      if (pc + 1 + far > last) throw new Error(`instruction ${pc} jumps past the end (bpf_check_classic: EINVAL)`);
    }
  });
  const end = instructions.at(-1)!;
  if ((end.code & 0x07) !== 0x06) throw new Error('the program does not end with a ret (EINVAL)');
  return instructions;
}

/** Runs the program over one call's seccomp_data; throws on an instruction seccomp refuses. */
export function runFilter(program: Uint8Array, data: SeccompData): Run {
  const instructions = decode(program);
  const word = (offset: number): number => {
    if (offset === 0) return data.nr >>> 0;
    if (offset === 4) return data.arch >>> 0;
    const value = offset < 16 ? (data.instructionPointer ?? 0n) : (data.args?.[(offset - 16) >> 3] ?? 0n);
    if (offset % 4 !== 0 || offset >= 64) throw new Error(`a load at offset ${offset}, outside seccomp_data`);
    return Number((offset % 8 === 0 ? value : value >> 32n) & 0xffffffffn);
  };
  let a = 0;
  let pc = 0;
  let steps = 0;
  for (;;) {
    const { code, jt, jf, k } = instructions[pc]!;
    steps++;
    pc++;
    switch (code) {
      case 0x20: // ld [k]
        a = word(k);
        break;
      case 0x54: // and #k
        a = (a & k) >>> 0;
        break;
      case 0x05: // ja k
        pc += k;
        break;
      case 0x15: // jeq #k
        pc += a === k ? jt : jf;
        break;
      case 0x25: // jgt #k
        pc += a > k ? jt : jf;
        break;
      case 0x35: // jge #k
        pc += a >= k ? jt : jf;
        break;
      case 0x45: // jset #k
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case 0x06: // ret #k
        return { result: k >>> 0, steps };
      default:
        throw new Error(`instruction ${pc - 1}: code 0x${code.toString(16)} is not one this interpreter knows`);
    }
  }
}
