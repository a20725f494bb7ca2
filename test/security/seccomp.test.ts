// The seccomp part of chapter 7 without a kernel: the syscall table against the headers, the
// profile's checks, and the compiled program run by a BPF interpreter (checker/harness/seccomp-bpf.ts)
// over every x86_64 system call, against the rules it was compiled from. test/native/shim.test.ts and
// checker/specs/ch07/seccomp.spec.ts prove that the kernel takes the program and agrees.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseUnistd, UNISTD_64 } from '../../scripts/syscall-table.ts';
import { runFilter } from '../../checker/harness/seccomp-bpf.ts';
import { compileFilter } from '../../solutions/src/security/seccomp/compile.ts';
import { DEFAULT_PROFILE } from '../../solutions/src/security/seccomp/default-profile.ts';
import {
  checkProfile,
  kernelVersion,
  parseProfile,
  type ArgCondition,
} from '../../solutions/src/security/seccomp/profile.ts';
import { resolveSeccomp } from '../../solutions/src/security/seccomp/resolve.ts';
import {
  AUDIT_ARCH_X86_64,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  resolveRules,
  type ResolvedFilter,
} from '../../solutions/src/security/seccomp/rules.ts';
import { SYSCALLS_X86_64 } from '../../solutions/src/security/seccomp/syscalls-x86_64.ts';
import { DEFAULT_SECURITY } from '../../solutions/src/security/options.ts';

const AUDIT_ARCH_I386 = 0x40000003;
const X32_SYSCALL_BIT = 0x40000000;
const EPERM = SECCOMP_RET_ERRNO | 1;
const ENOSYS = SECCOMP_RET_ERRNO | 38;
/** docker's default capabilities, as the container's bounding set names them. */
const DOCKER_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
]; // prettier-ignore

const nr = (name: string): number => SYSCALLS_X86_64[name]!;
const defaultFilter = (caps: readonly string[] | undefined) =>
  resolveRules(checkProfile(DEFAULT_PROFILE, 'default'), caps);
const program = (filter: ResolvedFilter) => compileFilter(filter)!.program;
const call = (bytes: Uint8Array, name: string, ...args: bigint[]) =>
  runFilter(bytes, { nr: nr(name), arch: AUDIT_ARCH_X86_64, args }).result;

/** The rules' meaning, evaluated directly: what the program must compute. */
function expected(filter: ResolvedFilter, number: number, args: readonly bigint[]): number {
  const syscall = filter.syscalls.find((entry) => entry.number === number);
  for (const rule of syscall?.rules ?? [])
    if (rule.args.every((arg) => holds(arg, args[arg.index] ?? 0n))) return rule.action;
  return filter.defaultAction;
}

function holds(condition: ArgCondition, arg: bigint): boolean {
  const { value, valueTwo } = condition;
  switch (condition.op) {
    case 'SCMP_CMP_EQ': return arg === value;
    case 'SCMP_CMP_NE': return arg !== value;
    case 'SCMP_CMP_LT': return arg < value;
    case 'SCMP_CMP_LE': return arg <= value;
    case 'SCMP_CMP_GT': return arg > value;
    case 'SCMP_CMP_GE': return arg >= value;
    case 'SCMP_CMP_MASKED_EQ': return (arg & value) === valueTwo;
  }
} // prettier-ignore

/** A small deterministic generator (xorshift), so a failure can be reproduced. */
function random(seed: number): () => bigint {
  let state = BigInt(seed) | 1n;
  return () => {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    return state;
  };
}

describe('the x86_64 system call table', () => {
  test.runIf(existsSync(UNISTD_64))("is the kernel headers' list (scripts/syscall-table.ts writes it)", () => {
    expect(SYSCALLS_X86_64).toEqual(parseUnistd(readFileSync(UNISTD_64, 'utf8')));
  });

  test('has the numbers the filter is written against', () => {
    expect([nr('read'), nr('getpid'), nr('mount'), nr('keyctl'), nr('clone3')]).toEqual([0, 39, 165, 250, 435]);
  });
});

describe('the default profile, compiled', () => {
  const withDockerCaps = defaultFilter(DOCKER_CAPS);
  const bytes = program(withDockerCaps);

  test('every x86_64 system call gets what the rules say, with and without arguments that matter', () => {
    const next = random(7);
    for (const number of Object.values(SYSCALLS_X86_64))
      for (const args of [[], [0n], [next(), next(), next()], [0x7e020000n], [40n], [8n], [0xffffffffn]])
        expect(runFilter(bytes, { nr: number, arch: AUDIT_ARCH_X86_64, args }).result, `syscall ${number}`).toBe(
          expected(withDockerCaps, number, args),
        );
  });

  test("denies with EPERM what docker's default denies, and allows what a program needs", () => {
    for (const name of ['mount', 'umount2', 'keyctl', 'add_key', 'request_key', 'kexec_load', 'init_module', 'bpf'])
      expect(call(bytes, name), name).toBe(EPERM);
    for (const name of ['perf_event_open', 'open_by_handle_at', 'unshare', 'setns', 'clock_settime', 'reboot'])
      expect(call(bytes, name), name).toBe(EPERM);
    for (const name of ['read', 'write', 'openat', 'execve', 'getpid', 'exit_group', 'chroot', 'name_to_handle_at'])
      expect(call(bytes, name), name).toBe(SECCOMP_RET_ALLOW);
  });

  test('clone without CLONE_NEW* flags is allowed (fork, threads), with CLONE_NEWUSER refused; clone3 is ENOSYS', () => {
    expect(call(bytes, 'clone', 0x3d0f00n)).toBe(SECCOMP_RET_ALLOW); // pthread_create's flags
    expect(call(bytes, 'clone', 0x10000000n | 17n)).toBe(EPERM); // CLONE_NEWUSER | SIGCHLD
    expect(call(bytes, 'clone', 0x1_0000_0000n)).toBe(SECCOMP_RET_ALLOW); // the high word is not a flag
    expect(call(bytes, 'clone3')).toBe(ENOSYS);
  });

  test('personality: the ordinary personas, not ADDR_NO_RANDOMIZE; socket: not AF_VSOCK', () => {
    expect(call(bytes, 'personality', 0n)).toBe(SECCOMP_RET_ALLOW);
    expect(call(bytes, 'personality', 0xffffffffn)).toBe(SECCOMP_RET_ALLOW);
    expect(call(bytes, 'personality', 0x0040000n)).toBe(EPERM);
    expect(call(bytes, 'personality', 0x1_0000_0000n)).toBe(EPERM); // 64 bits compared, not the low word
    expect(call(bytes, 'socket', 2n)).toBe(SECCOMP_RET_ALLOW);
    expect(call(bytes, 'socket', 40n)).toBe(EPERM);
  });

  test('includes.caps: a capability brings back what it allows (--cap-add SYS_ADMIN: mount), excludes.caps the rest', () => {
    const admin = program(defaultFilter([...DOCKER_CAPS, 'CAP_SYS_ADMIN']));
    expect(call(admin, 'mount')).toBe(SECCOMP_RET_ALLOW);
    expect(call(admin, 'clone', 0x10000000n)).toBe(SECCOMP_RET_ALLOW);
    expect(call(admin, 'clone3')).toBe(SECCOMP_RET_ALLOW);
    expect(call(admin, 'keyctl')).toBe(EPERM);
    const all = program(defaultFilter(undefined));
    expect(call(all, 'clock_settime')).toBe(SECCOMP_RET_ALLOW);
    expect(call(all, 'kexec_load')).toBe(EPERM);
    const none = program(defaultFilter([]));
    expect(call(none, 'chroot')).toBe(EPERM);
  });

  test('a call newer than the table (fchmodat2, 452, on older headers) is ENOSYS, so that libc falls back', () => {
    const newest = Math.max(...Object.values(SYSCALLS_X86_64));
    expect(runFilter(bytes, { nr: newest + 1, arch: AUDIT_ARCH_X86_64 }).result).toBe(ENOSYS);
    expect(runFilter(bytes, { nr: 511, arch: AUDIT_ARCH_X86_64 }).result).toBe(ENOSYS);
    expect(runFilter(bytes, { nr: 5000, arch: AUDIT_ARCH_X86_64 }).result).toBe(EPERM);
    const allowing = program(resolveRules(parseProfile('{"defaultAction":"SCMP_ACT_ALLOW"}', 'p'), undefined));
    expect(runFilter(allowing, { nr: newest + 1, arch: AUDIT_ARCH_X86_64 }).result).toBe(SECCOMP_RET_ALLOW);
  });

  test('another architecture (i386, int 0x80) and x32 are killed, before the number is looked at', () => {
    expect(runFilter(bytes, { nr: 20, arch: AUDIT_ARCH_I386 }).result).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(runFilter(bytes, { nr: nr('getpid') | X32_SYSCALL_BIT, arch: AUDIT_ARCH_X86_64 }).result).toBe(
      SECCOMP_RET_KILL_PROCESS,
    );
  });

  test('a call costs the arch check and a binary search: a dozen instructions, not one per rule', () => {
    const steps = Object.values(SYSCALLS_X86_64).map(
      (number) => runFilter(bytes, { nr: number, arch: AUDIT_ARCH_X86_64 }).steps,
    );
    expect(Math.max(...steps.filter((_, i) => i !== nr('personality') && i !== nr('clone')))).toBeLessThanOrEqual(16);
    expect(bytes.length / 8).toBeLessThan(400);
  });
});

describe('argument comparisons, 64 bits from two 32-bit words', () => {
  const operators = ['EQ', 'NE', 'LT', 'LE', 'GT', 'GE', 'MASKED_EQ'] as const;
  const edges = [0n, 1n, 0xffffffffn, 0x1_0000_0000n, 0x1_0000_0001n, 0xffffffff_fffffffen, 0xffffffff_ffffffffn];

  test.each(operators)('SCMP_CMP_%s agrees with the comparison on every edge and on random values', (op) => {
    const next = random(op.length * 31);
    const values = [...edges, 0x1234_5678_9abcn, next(), next()];
    for (const value of values.filter((v) => v <= BigInt(Number.MAX_SAFE_INTEGER))) {
      const condition: ArgCondition = { index: 2, value, valueTwo: value & 0xff_0000_00ffn, op: `SCMP_CMP_${op}` };
      const filter: ResolvedFilter = {
        arch: AUDIT_ARCH_X86_64,
        defaultAction: SECCOMP_RET_ALLOW,
        syscalls: [{ name: 'ioctl', number: nr('ioctl'), rules: [{ action: EPERM, args: [condition] }] }],
      };
      const bytes = program(filter);
      for (const arg of [...values, value - 1n, value + 1n, value ^ 0x1_0000_0000n, next()].map(
        (v) => v & 0xffffffff_ffffffffn,
      ))
        expect(call(bytes, 'ioctl', 0n, 0n, arg), `${op} ${value} against ${arg}`).toBe(
          expected(filter, nr('ioctl'), [0n, 0n, arg]),
        );
    }
  });

  test('a program longer than a jump reaches (255) still finds every call: through ja', () => {
    const syscalls = Object.entries(SYSCALLS_X86_64).map(([name, number]) => ({
      name,
      number,
      rules: [
        {
          action: (SECCOMP_RET_ERRNO | (number % 100)) >>> 0,
          args: [{ index: number % 3, value: BigInt(number), valueTwo: 0n, op: 'SCMP_CMP_EQ' as const }],
        },
      ],
    }));
    const filter: ResolvedFilter = { arch: AUDIT_ARCH_X86_64, defaultAction: SECCOMP_RET_ALLOW, syscalls };
    const bytes = program(filter);
    expect(bytes.length / 8).toBeGreaterThan(1000);
    for (const { number } of syscalls)
      for (const args of [[BigInt(number)], [0n, BigInt(number)], [0n, 0n, BigInt(number)], []])
        expect(runFilter(bytes, { nr: number, arch: AUDIT_ARCH_X86_64, args }).result).toBe(
          expected(filter, number, args),
        );
  });
});

describe("the profile's format: one line for what is wrong", () => {
  test.each([
    ['{', /^seccomp profile p\.json: not JSON/],
    ['[]', /^seccomp profile p\.json: the profile must be a JSON object$/],
    ['{"defaultAction":"SCMP_ACT_TRACE"}', /defaultAction "SCMP_ACT_TRACE" is not an action this runtime takes/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}', /unknown architecture "SCMP_ARCH_Z80"/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_NOTIFY"}]}', /syscalls\[0\]\.action "SCMP_ACT_NOTIFY"/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ERRNO"}]}', /syscalls\[0\] names no system call/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}', /index must be 0 to 5/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"SCMP_CMP_BETWEEN"}]}]}', /op "SCMP_CMP_BETWEEN" is not one of/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":-1,"op":"SCMP_CMP_EQ"}]}]}', /value must be a whole number/],
    ['{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":70000}', /defaultErrnoRet must be an errno from 0 to 4095/],
    ['{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"four"}}]}', /syscalls\[0\]\.includes\.minKernel must be a kernel version as "4\.8"/],
  ])('%s', (text, message) => {
    expect(() => parseProfile(text, 'p.json')).toThrow(message);
  }); // prettier-ignore

  test("docker's own shapes are taken: archMap, the older single name, errnoRet", () => {
    const profile = parseProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
        syscalls: [{ name: 'getpid', action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: null }],
      }),
      'p.json',
    );
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(call(program(resolveRules(profile, undefined)), 'getpid')).toBe(SECCOMP_RET_ERRNO | 22);
  });

  test('minKernel as docker takes it: includes from that kernel on, excludes from that kernel on', () => {
    const profile = parseProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['getpid'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: '5.10' } },
          { names: ['getppid'], action: 'SCMP_ACT_ERRNO', excludes: { minKernel: '5.10' } },
        ],
      }),
      'p.json',
    );
    const on = (kernel: number, major: number) => program(resolveRules(profile, undefined, { kernel, major }));
    for (const [kernel, major, getpid, getppid] of [
      [5, 4, SECCOMP_RET_ALLOW, EPERM],
      [5, 10, EPERM, SECCOMP_RET_ALLOW],
      [6, 1, EPERM, SECCOMP_RET_ALLOW],
      [4, 19, SECCOMP_RET_ALLOW, EPERM],
    ] as const)
      expect([call(on(kernel, major), 'getpid'), call(on(kernel, major), 'getppid')], `on ${kernel}.${major}`).toEqual([
        getpid,
        getppid,
      ]);
    const defaults = checkProfile(DEFAULT_PROFILE, 'default');
    expect(call(program(resolveRules(defaults, DOCKER_CAPS, { kernel: 4, major: 4 })), 'ptrace'), 'ptrace on 4.4').toBe(
      EPERM,
    );
    expect(call(program(resolveRules(defaults, DOCKER_CAPS, { kernel: 4, major: 8 })), 'ptrace'), 'ptrace on 4.8').toBe(
      SECCOMP_RET_ALLOW,
    );
    expect(kernelVersion('6.18.44-fc-v1147')).toEqual({ kernel: 6, major: 18 });
    expect(kernelVersion('4.8')).toEqual({ kernel: 4, major: 8 });
  });

  test('no filter for unconfined and --privileged; a missing file is one line', () => {
    expect(resolveSeccomp({ ...DEFAULT_SECURITY, seccomp: { kind: 'unconfined' } }, undefined)).toBeUndefined();
    expect(resolveSeccomp({ ...DEFAULT_SECURITY, privileged: true }, undefined)).toBeUndefined();
    expect(() =>
      resolveSeccomp({ ...DEFAULT_SECURITY, seccomp: { kind: 'file', path: '/no/such.json' } }, undefined),
    ).toThrow('seccomp profile /no/such.json: no such file');
    const arm = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_AARCH64'] });
    expect(() =>
      resolveSeccomp({ ...DEFAULT_SECURITY, seccomp: { kind: 'file', path: 'arm.json', content: arm } }, undefined),
    ).toThrow(
      'seccomp profile arm.json: it names no architecture of this machine (SCMP_ARCH_X86_64): SCMP_ARCH_AARCH64',
    );
  });

  test.runIf(process.arch === 'x64')(
    'a filter is compiled once per profile text and capabilities; a file not read in yet, every time',
    () => {
      const security = { ...DEFAULT_SECURITY, seccomp: { kind: 'default' as const } };
      const first = resolveSeccomp(security, DOCKER_CAPS);
      expect(resolveSeccomp(security, [...DOCKER_CAPS]), 'the same again: the one compiled').toBe(first);
      const withAdmin = resolveSeccomp(security, [...DOCKER_CAPS, 'CAP_SYS_ADMIN']);
      expect(withAdmin, 'other capabilities: another filter').not.toBe(first);
      expect(call(withAdmin!.program, 'mount'), 'CAP_SYS_ADMIN lets mount through').toBe(SECCOMP_RET_ALLOW);
      expect(call(first!.program, 'mount')).toBe(EPERM);
      const allow = (action: string) => JSON.stringify({ defaultAction: action });
      const file = (content: string) => ({ kind: 'file' as const, path: 'p.json', content });
      const allowing = resolveSeccomp({ ...security, seccomp: file(allow('SCMP_ACT_ALLOW')) }, DOCKER_CAPS);
      const refusing = resolveSeccomp({ ...security, seccomp: file(allow('SCMP_ACT_ERRNO')) }, DOCKER_CAPS);
      expect(call(allowing!.program, 'mount'), 'a profile of the same name and another text').toBe(SECCOMP_RET_ALLOW);
      expect(call(refusing!.program, 'mount')).toBe(EPERM);
      const dir = mkdtempSync(join(tmpdir(), 'mydocker-seccomp-'));
      try {
        const path = join(dir, 'profile.json');
        const unread = { ...security, seccomp: { kind: 'file' as const, path } };
        writeFileSync(path, allow('SCMP_ACT_ALLOW'));
        expect(call(resolveSeccomp(unread, DOCKER_CAPS)!.program, 'mount')).toBe(SECCOMP_RET_ALLOW);
        writeFileSync(path, allow('SCMP_ACT_ERRNO'));
        expect(call(resolveSeccomp(unread, DOCKER_CAPS)!.program, 'mount'), 'the file read again').toBe(EPERM);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
