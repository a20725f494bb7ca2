// Lab ch7-devices: which devices a container may open. CAP_MKNOD is one of docker's fourteen, so a
// root container can make any node (mknod b 8 0 is the host's first disk); the devices cgroup decides
// whether it opens. One lesson, two drivers, as chapter 2's cgroups:
//   v1  the devices controller's files: devices.deny and devices.allow in the container's cgroup
//   v2  no such files: a BPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup,
//       which the kernel runs at every mknod and open of a device node; 0 refuses it (EPERM)
// The rules (device-list.ts) are the same for both; the host applies them while the container waits
// at its barrier (device-steps.ts), so its first instruction is already limited.
import { ruleLine, type DeviceRule } from './device-list.ts';
import {
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  and32,
  encode,
  exit,
  jumpIfNot,
  jumpIfNotRegister,
  loadWord,
  move32,
  moveRegister32,
  rightShift32,
  type Instruction,
} from './ebpf.ts';

export { addDevices, resolveDevices, type DeviceSpec } from './device-flags.ts';

/** A write into a control file of the container's v1 devices cgroup. */
export interface DeviceWrite {
  file: 'devices.deny' | 'devices.allow';
  value: string;
}

/** v1: the writes that leave the container's devices cgroup allowing exactly `rules`. */
export function deviceRules(rules: readonly DeviceRule[]): DeviceWrite[] {
  // SOLUTION: a new cgroup inherits its parent's list, which allows everything ("a *:* rwm"). An
  // allow on top of "allow everything" changes nothing: first "a" into devices.deny empties the list
  // and makes it deny by default, then each rule is an exception (devices.rst).
  return [
    { file: 'devices.deny', value: 'a' },
    ...rules.map((rule) => ({ file: 'devices.allow' as const, value: ruleLine(rule) })),
  ];
}

// struct bpf_cgroup_dev_ctx (include/uapi/linux/bpf.h): u32 access_type, u32 major, u32 minor;
// access_type is (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*.
const ACCESS = { m: 1, r: 2, w: 4 } as const; // BPF_DEVCG_ACC_MKNOD, _READ, _WRITE
const DEVICE_TYPE = { b: 1, c: 2 } as const; // BPF_DEVCG_DEV_BLOCK, _CHAR

/** v2: the program that allows exactly `rules` (runc's devicefilter.go has the same shape). */
export function deviceProgram(rules: readonly DeviceRule[]): Uint8Array | undefined {
  // SOLUTION: the context into registers once: R2 the device's type, R3 the access asked for, R4
  // its major, R5 its minor.
  const program: Instruction[] = [
    loadWord(R2, R1, 0),
    and32(R2, 0xffff),
    loadWord(R3, R1, 0),
    rightShift32(R3, 16),
    loadWord(R4, R1, 4),
    loadWord(R5, R1, 8),
  ];
  for (const rule of rules) program.push(...ruleBlock(rule));
  // SOLUTION: no rule matched: refused. A program that ends allowing would allow every device.
  program.push(move32(R0, 0), exit());
  return encode(program);
}

/**
 * One rule: each test that fails jumps past the rest of the block, to the next rule's; if all pass,
 * return 1 (allowed). Built from its end, so each jump knows how many instructions follow it.
 */
function ruleBlock(rule: DeviceRule): Instruction[] {
  const tests: Array<(skip: number) => Instruction[]> = [];
  if (rule.type !== 'a') tests.push((skip) => [jumpIfNot(R2, DEVICE_TYPE[rule.type as 'b' | 'c'], skip)]);
  const allowed = [...rule.access].reduce((bits, letter) => bits | ACCESS[letter as keyof typeof ACCESS], 0);
  // The access asked for must be within the rule's: (asked & allowed) == asked. rwm allows any.
  if (allowed !== 7)
    tests.push((skip) => [moveRegister32(R1, R3), and32(R1, allowed), jumpIfNotRegister(R1, R3, skip)]);
  if (rule.major !== '*') tests.push((skip) => [jumpIfNot(R4, rule.major as number, skip)]);
  if (rule.minor !== '*') tests.push((skip) => [jumpIfNot(R5, rule.minor as number, skip)]);
  let block: Instruction[] = [move32(R0, 1), exit()];
  for (const test of tests.reverse()) block = [...test(block.length), ...block];
  return block;
}
