// Lab ch7-devices without root: v1's writes, v2's program (decoded and run here by a small eBPF
// interpreter of the instructions ebpf.ts emits, beside the real kernel's run in the checker), the
// encoding of struct bpf_insn, --device's parsing, and the host steps of each driver.
import { describe, expect, test } from 'vitest';
import type { CgroupSystem } from '../../solutions/src/cgroups/system.ts';
import { UsageError } from '../../solutions/src/errors.ts';
import { DEFAULT_DEVICE_RULES, type DeviceRule } from '../../solutions/src/security/device-list.ts';
import { splitDeviceNumber } from '../../solutions/src/security/device-flags.ts';
import { deviceSteps } from '../../solutions/src/security/device-steps.ts';
import { deviceProgram, deviceRules, resolveDevices } from '../../solutions/src/security/devices.ts';
import { R1, R2, encode, loadWord } from '../../solutions/src/security/ebpf.ts';
import { DEFAULT_SECURITY } from '../../solutions/src/security/options.ts';

const CONTEXT = { cgroups: { version: 2, mode: 'v2', root: '/sys/fs/cgroup' } as CgroupSystem, rootless: false };

/** Runs a program of the opcodes ebpf.ts emits on one bpf_cgroup_dev_ctx; returns R0. */
function run(program: Uint8Array, access: number, type: number, major: number, minor: number): number {
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const context = [(access << 16) | type, major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; pc < program.length / 8 && steps < 4096; steps++) {
    const code = view.getUint8(pc * 8);
    const dst = view.getUint8(pc * 8 + 1) & 0x0f;
    const src = view.getUint8(pc * 8 + 1) >> 4;
    const off = view.getInt16(pc * 8 + 2, true);
    const imm = view.getInt32(pc * 8 + 4, true);
    pc++;
    if (code === 0x61)
      r[dst] = context[off / 4]! >>> 0; // ldxw dst, [src + off]: src is the context (R1)
    else if (code === 0x54) r[dst] = (r[dst]! & imm) >>> 0;
    else if (code === 0x74) r[dst] = r[dst]! >>> imm;
    else if (code === 0xb4) r[dst] = imm >>> 0;
    else if (code === 0xbc) r[dst] = r[src]! >>> 0;
    else if (code === 0x55) pc += r[dst] !== imm >>> 0 ? off : 0;
    else if (code === 0x5d) pc += r[dst] !== r[src] ? off : 0;
    else if (code === 0x95) return r[0]!;
    else throw new Error(`opcode 0x${code.toString(16)} at ${pc - 1}: not one ebpf.ts emits`);
  }
  throw new Error('the program ran off its end');
}

const [M, R, W] = [1, 2, 4]; // BPF_DEVCG_ACC_*
const [BLOCK, CHAR] = [1, 2]; // BPF_DEVCG_DEV_*

describe('deviceRules (v1)', () => {
  test('devices.deny "a" first, then one devices.allow line per rule', () => {
    const writes = deviceRules(DEFAULT_DEVICE_RULES);
    expect(writes[0]).toEqual({ file: 'devices.deny', value: 'a' });
    expect(writes.slice(1).map((w) => `${w.file} ${w.value}`)).toEqual([
      'devices.allow c *:* m',
      'devices.allow b *:* m',
      ...['1:3', '1:5', '1:7', '1:8', '1:9', '5:0', '5:1', '5:2', '136:*'].map((n) => `devices.allow c ${n} rwm`),
    ]);
  });
});

describe('deviceProgram (v2)', () => {
  const rules: DeviceRule[] = [...DEFAULT_DEVICE_RULES, { type: 'c', major: 1, minor: 11, access: 'r' }];
  const program = deviceProgram(rules)!;

  test("docker's nodes open for reading and writing; the terminals whatever their minor", () => {
    for (const [major, minor] of [
      [1, 3],
      [1, 5],
      [1, 9],
      [5, 0],
      [5, 2],
      [136, 0],
      [136, 7],
    ] as const)
      expect(run(program, R | W, CHAR, major, minor), `c ${major}:${minor}`).toBe(1);
  });

  test('any node may be made, but a disk does not open', () => {
    expect(run(program, M, BLOCK, 7, 0)).toBe(1);
    expect(run(program, M, CHAR, 10, 200)).toBe(1);
    expect(run(program, R, BLOCK, 7, 0)).toBe(0);
    expect(run(program, R | W, BLOCK, 8, 0)).toBe(0);
    expect(run(program, R | M, BLOCK, 7, 0)).toBe(0);
  });

  test("a rule's access is all it allows: c 1:11 r reads, does not write", () => {
    expect(run(program, R, CHAR, 1, 11)).toBe(1);
    expect(run(program, W, CHAR, 1, 11)).toBe(0);
    expect(run(program, R, BLOCK, 1, 11)).toBe(0);
  });

  test('no rules: everything refused', () => {
    expect(run(deviceProgram([])!, M, CHAR, 1, 3)).toBe(0);
  });
});

describe('ebpf.ts', () => {
  test('struct bpf_insn: code, dst in the low nibble and src in the high one, off, imm, little-endian', () => {
    expect([...encode([loadWord(R2, R1, 8)])]).toEqual([0x61, 0x12, 8, 0, 0, 0, 0, 0]);
  });
});

describe('--device', () => {
  test('HOST, HOST:CONTAINER, HOST:PERMISSIONS, HOST:CONTAINER:PERMISSIONS', () => {
    const spec = resolveDevices(
      { ...DEFAULT_SECURITY, devices: ['/dev/null:/dev/mynull', '/dev/zero:/dev/sub/zero:r', '/dev/full:rw'] },
      CONTEXT,
    );
    expect(spec.nodes).toEqual([
      { path: '/dev/mynull', hostPath: '/dev/null', type: 'c', major: 1, minor: 3, mode: expect.any(Number) },
      { path: '/dev/sub/zero', hostPath: '/dev/zero', type: 'c', major: 1, minor: 5, mode: expect.any(Number) },
    ]);
    expect(spec.allow!.slice(DEFAULT_DEVICE_RULES.length)).toEqual([
      { type: 'c', major: 1, minor: 3, access: 'rwm' },
      { type: 'c', major: 1, minor: 5, access: 'r' },
      { type: 'c', major: 1, minor: 7, access: 'rw' },
    ]);
  });

  test('a missing node, a file that is no device, bad permissions, a relative path: one UsageError each', () => {
    for (const [flag, message] of [
      [
        '/nosuch',
        /^error gathering device information while adding custom device "\/nosuch": no such file or directory/,
      ],
      ['/etc/hostname', /is not a device node/],
      ['/dev/null:/dev/x:rwx', /PERMISSIONS "rwx" takes only r, w and m/],
      ['/dev/null:dev/x', /must be an absolute path/],
      ['/dev/zero:/dev/null', /every container has its own \/dev\/null/],
    ] as const) {
      expect(() => resolveDevices({ ...DEFAULT_SECURITY, devices: [flag] }, CONTEXT), flag).toThrow(UsageError);
      expect(() => resolveDevices({ ...DEFAULT_SECURITY, devices: [flag] }, CONTEXT), flag).toThrow(message);
    }
  });

  test('--privileged and rootless: no allow-list', () => {
    expect(resolveDevices({ ...DEFAULT_SECURITY, privileged: true }, CONTEXT).allow).toBeUndefined();
    expect(resolveDevices(DEFAULT_SECURITY, { ...CONTEXT, rootless: true }).allow).toBeUndefined();
  });

  test("glibc's major() and minor(): 12 and 20 bits, split", () => {
    expect(splitDeviceNumber(0x103n)).toEqual({ major: 1, minor: 3 });
    expect(splitDeviceNumber((259n << 8n) | 0x10n | (0x123400n << 12n))).toEqual({ major: 259, minor: 0x123410 });
  });
});

describe('deviceSteps', () => {
  const devices = resolveDevices(DEFAULT_SECURITY, CONTEXT);
  const cgroup = { parent: 'mydocker', id: 'abc', made: true };

  test('v1: the writes into the container devices cgroup', () => {
    const v1: CgroupSystem = { version: 1, mode: 'hybrid', hierarchies: { devices: '/sys/fs/cgroup/devices' } };
    const steps = deviceSteps(v1, devices, cgroup);
    expect(steps[0]).toEqual({ op: 'set', path: '/sys/fs/cgroup/devices/mydocker/abc/devices.deny', content: 'a' });
    expect(steps).toHaveLength(DEFAULT_DEVICE_RULES.length + 1);
  });

  test('v2: one device-program step on its cgroup', () => {
    expect(deviceSteps(CONTEXT.cgroups, devices, cgroup)).toEqual([
      { op: 'device-program', cgroup: '/sys/fs/cgroup/mydocker/abc', program: expect.any(Uint8Array) },
    ]);
  });

  test('none without an allow-list or a cgroup; v1 without a devices hierarchy: an error that says so', () => {
    expect(deviceSteps(CONTEXT.cgroups, { nodes: [], allow: undefined }, cgroup)).toEqual([]);
    expect(deviceSteps(CONTEXT.cgroups, devices, { ...cgroup, made: false })).toEqual([]);
    expect(() => deviceSteps({ version: 1, mode: 'v1', hierarchies: {} }, devices, cgroup)).toThrow(
      /no devices cgroup hierarchy/,
    );
  });
});
