// Lab ch7-seccomp: the container's system calls go through a seccomp filter compiled from docker's
// default profile (or the one given): what no namespace isolates is refused with EPERM, another ABI
// is killed, and everything a program needs still works. The filter is read from the host
// (/proc/<pid>/status) and proved by real calls from a static program (escapes/seccomp-probe.c);
// the program itself is also run by a BPF interpreter over every system call, in milliseconds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { importEscapesImage } from '../../harness/escapes.ts';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { hostChanges, snapshotHost } from '../../harness/host-unchanged.ts';
import { runFilter } from '../../harness/seccomp-bpf.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type CompileModule = typeof import('../../../solutions/src/security/seccomp/compile.ts');
type RulesModule = typeof import('../../../solutions/src/security/seccomp/rules.ts');
type ProfileModule = typeof import('../../../solutions/src/security/seccomp/profile.ts');
type DefaultModule = typeof import('../../../solutions/src/security/seccomp/default-profile.ts');
type SyscallsModule = typeof import('../../../solutions/src/security/seccomp/syscalls-x86_64.ts');

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const KILL_PROCESS = 0x80000000;
const SIGSYS = 31;
const CAP_SYS_ADMIN = 21;
const CAP_SYS_TIME = 25;

/** The default profile compiled for a bounding set of `caps`, with the system call table. */
async function compiledDefault(caps: readonly string[]) {
  const { compileFilter } = await importTarget<CompileModule>('security/seccomp/compile.ts');
  const { resolveRules } = await importTarget<RulesModule>('security/seccomp/rules.ts');
  const { checkProfile } = await importTarget<ProfileModule>('security/seccomp/profile.ts');
  const { DEFAULT_PROFILE } = await importTarget<DefaultModule>('security/seccomp/default-profile.ts');
  const { SYSCALLS_X86_64 } = await importTarget<SyscallsModule>('security/seccomp/syscalls-x86_64.ts');
  const rules = resolveRules(checkProfile(DEFAULT_PROFILE, 'default'), caps);
  const filter = compileFilter(rules);
  expect(
    filter,
    'compileFilter returned no filter: the container may make every system call (Seccomp 0 in its status)',
  ).toBeDefined();
  const program = filter!.program;
  const run = (name: string, args: bigint[] = [], arch = AUDIT_ARCH_X86_64) =>
    runFilter(program, { nr: SYSCALLS_X86_64[name]!, arch, args }).result;
  return { program, rules, run, SYSCALLS_X86_64 };
}

/** The probe's lines as name: answer. */
function answers(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
  );
}

const PROBES = ['capbnd', 'keyctl', 'mount', 'clock', 'userns'];

describeLab('ch7-seccomp', (check) => {
  check(
    'the program checks the architecture first: i386 (int 0x80) and x32 calls are killed',
    { hint: 2 },
    async () => {
      const { run, SYSCALLS_X86_64 } = await compiledDefault([]);
      expect(run('getpid'), 'getpid from x86_64').toBe(ALLOW);
      // i386's 20 is getpid, x86_64's 20 is writev: the number means nothing without the arch.
      expect(
        run('writev', [], AUDIT_ARCH_I386),
        'a call from i386 (arch AUDIT_ARCH_I386): SECCOMP_RET_KILL_PROCESS',
      ).toBe(KILL_PROCESS);
      const x32 = runFilter((await compiledDefault([])).program, {
        nr: SYSCALLS_X86_64.mount! | 0x40000000,
        arch: AUDIT_ARCH_X86_64,
      }).result;
      expect(x32, "x32's mount (165 | __X32_SYSCALL_BIT, arch AUDIT_ARCH_X86_64): SECCOMP_RET_KILL_PROCESS").toBe(
        KILL_PROCESS,
      );
    },
  );

  check(
    'every x86_64 system call gets what the profile says (a BPF interpreter runs the program)',
    { hint: 3 },
    async () => {
      const { program, rules, SYSCALLS_X86_64 } = await compiledDefault(['CAP_CHOWN', 'CAP_SYS_CHROOT']);
      const wrong: string[] = [];
      for (const [name, nr] of Object.entries(SYSCALLS_X86_64)) {
        const syscall = rules.syscalls.find((entry) => entry.number === nr);
        // The default profile's rules with arguments (clone, personality, socket) are checked below.
        if (syscall?.rules.some((rule) => rule.args.length > 0)) continue;
        const want = syscall?.rules[0]?.action ?? rules.defaultAction;
        const got = runFilter(program, { nr, arch: AUDIT_ARCH_X86_64 }).result;
        if (got !== want) wrong.push(`${name} (${nr}): 0x${got.toString(16)}, not 0x${want.toString(16)}`);
      }
      expect(wrong, 'system calls the program answers otherwise than the rules (an off-by-one jump?)').toEqual([]);
    },
  );

  check(
    "64-bit argument rules: clone without CLONE_NEW* flags, personality's personas, socket but AF_VSOCK",
    { hint: 4 },
    async () => {
      const { run } = await compiledDefault(['CAP_CHOWN']);
      expect(run('clone', [0x3d0f00n]), "clone with pthread_create's flags (no CLONE_NEW*)").toBe(ALLOW);
      expect(run('clone', [0x10000011n]), 'clone with CLONE_NEWUSER').toBe(EPERM);
      expect(run('personality', [0n]), 'personality(PER_LINUX)').toBe(ALLOW);
      expect(run('personality', [0xffffffffn]), 'personality(0xffffffff), the query').toBe(ALLOW);
      expect(run('personality', [0x40000n]), 'personality(ADDR_NO_RANDOMIZE)').toBe(EPERM);
      expect(run('personality', [0x1_0000_0000n]), 'personality(1 << 32): the high word counts too').toBe(EPERM);
      expect(run('socket', [2n]), 'socket(AF_INET)').toBe(ALLOW);
      expect(run('socket', [40n]), 'socket(AF_VSOCK)').toBe(EPERM);
    },
  );

  check(
    'the container runs with one filter: Seccomp 2, Seccomp_filters 1 in its status',
    { hint: 1 },
    async ({ mydocker }) => {
      const container = await mydocker.hold(['--rm', '--network', 'none'], 'true', 'busybox');
      try {
        const status = readFileSync(`/proc/${container.pid}/status`, 'utf8');
        const mode = /^Seccomp:\s+(\d+)$/m.exec(status)?.[1];
        const filters = /^Seccomp_filters:\s+(\d+)$/m.exec(status)?.[1];
        expect(
          { mode, filters },
          `/proc/${container.pid}/status of the container's PID 1 (mode 2 is SECCOMP_MODE_FILTER)`,
        ).toEqual({ mode: '2', filters: '1' });
      } finally {
        await container.release();
      }
    },
  );

  check(
    'from inside, what the profile denies fails with EPERM, and only because of the filter',
    { hint: 1, timeout: 60_000 },
    async ({ mydocker }) => {
      const image = await importEscapesImage(mydocker);
      const before = snapshotHost();
      const filtered = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        image,
        '/escape/seccomp-probe',
        ...PROBES,
      ]);
      const unconfined = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        '--security-opt',
        'seccomp=unconfined',
        image,
        '/escape/seccomp-probe',
        ...PROBES,
      ]);
      expect(hostChanges(before, snapshotHost()), 'changes to the host').toEqual([]);
      expectExitCode(filtered, 0);
      expectExitCode(unconfined, 0);
      const got = answers(filtered.stdout);
      // docker's includes.caps: mount and unshare come back with CAP_SYS_ADMIN, clock_settime with
      // CAP_SYS_TIME. Without them, the filter answers EPERM before the kernel reads the bad pointer.
      const bounding = BigInt(`0x${got.capbnd ?? '0'}`);
      const has = (cap: number): boolean => ((bounding >> BigInt(cap)) & 1n) === 1n;
      expect(
        { keyctl: got.keyctl, mount: got.mount, clock: got.clock, userns: got.userns },
        `${describeRun(filtered)}\nwith the default profile (bounding set ${got.capbnd})`,
      ).toEqual({
        keyctl: 'EPERM',
        mount: has(CAP_SYS_ADMIN) ? 'EFAULT' : 'EPERM',
        clock: has(CAP_SYS_TIME) ? 'EFAULT' : 'EPERM',
        userns: has(CAP_SYS_ADMIN) ? 'OK' : 'EPERM',
      });
      const without = answers(unconfined.stdout);
      expect(
        { keyctl: without.keyctl === 'EPERM', mount: without.mount, clock: without.clock },
        `${describeRun(unconfined)}\nwith seccomp=unconfined the same calls reach the kernel`,
      ).toEqual({ keyctl: false, mount: 'EFAULT', clock: 'EFAULT' });
    },
  );

  check(
    'a call from another ABI is killed (SIGSYS): int 0x80 and x32',
    { hint: 2, timeout: 60_000 },
    async ({ mydocker }) => {
      const image = await importEscapesImage(mydocker);
      const result = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        image,
        '/escape/seccomp-probe',
        'int80',
        'x32',
      ]);
      expectExitCode(result, 0);
      expect(answers(result.stdout), describeRun(result)).toEqual({
        int80: `killed by signal ${SIGSYS}`,
        x32: `killed by signal ${SIGSYS}`,
      });
    },
  );

  check(
    "programs still work under the filter: busybox's shell, files, processes",
    { hint: 3 },
    async ({ mydocker }) => {
      const result = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'mkdir /tmp/d && echo hi > /tmp/d/f && cat /tmp/d/f && ls /tmp/d && (sleep 0; echo child) && uname -s',
      ]);
      expectExitCode(result, 0);
      expect(result.stdout, describeRun(result)).toBe('hi\nf\nchild\nLinux\n');
    },
  );

  check('a profile file is compiled: its errno, its default', { hint: 1, timeout: 60_000 }, async ({ mydocker }) => {
    const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-seccomp-`));
    try {
      const profile = join(dir, 'deny-getpid.json');
      writeFileSync(
        profile,
        JSON.stringify({
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 22 }],
        }),
      );
      const image = await importEscapesImage(mydocker);
      const args = ['run', '--rm', '--network', 'none', '--security-opt', `seccomp=${profile}`, image];
      const result = await mydocker.run([...args, '/escape/seccomp-probe', 'getpid', 'keyctl']);
      expectExitCode(result, 0);
      const got = answers(result.stdout);
      expect(
        { getpid: got.getpid, keyctl: got.keyctl === 'EPERM' ? 'EPERM' : 'reached the kernel' },
        `${describeRun(result)}\nwith ${profile}: getpid gets errno 22 (EINVAL), the rest the default, ALLOW`,
      ).toEqual({ getpid: 'EINVAL', keyctl: 'reached the kernel' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  check(
    'the profile is kept with the container: `start` compiles the same filter after the file is gone',
    { hint: 1, timeout: 60_000 },
    async ({ mydocker }) => {
      const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-seccomp-`));
      try {
        const profile = join(dir, 'deny-mkdir.json');
        writeFileSync(
          profile,
          JSON.stringify({
            defaultAction: 'SCMP_ACT_ALLOW',
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
          }),
        );
        const run = await mydocker.run([
          'run',
          '--name',
          'kept',
          '--network',
          'none',
          '--security-opt',
          `seccomp=${profile}`,
          'busybox',
          'mkdir',
          '/tmp/d',
        ]);
        rmSync(profile);
        const start = await mydocker.run(['start', '-a', 'kept']);
        await mydocker.run(['rm', 'kept']);
        for (const result of [run, start]) {
          expect(result.exitCode, describeRun(result)).toBe(1);
          expect(result.stderr, `${describeRun(result)}\nmkdir denied with EACCES (13) by ${profile}`).toContain(
            'Permission denied',
          );
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  check('seccomp=unconfined and --privileged: no filter (Seccomp 0)', { hint: 1 }, async ({ mydocker }) => {
    for (const flags of [['--security-opt', 'seccomp=unconfined'], ['--privileged']]) {
      const result = await mydocker.run([
        'run',
        '--rm',
        '--network',
        'none',
        ...flags,
        'busybox',
        'grep',
        '^Seccomp:',
        '/proc/self/status',
      ]);
      expectExitCode(result, 0);
      expect(result.stdout.replace(/\s+/g, ' ').trim(), describeRun(result)).toBe('Seccomp: 0');
    }
  });

  check('a bad profile is one line and 125, and nothing is made', { hint: 1 }, async ({ mydocker }) => {
    const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-seccomp-`));
    try {
      const cases: Array<[string, string | undefined, RegExp]> = [
        ['broken.json', '{"defaultAction":', /not JSON/],
        [
          'arch.json',
          '{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_Z80"]}',
          /unknown architecture "SCMP_ARCH_Z80"/,
        ],
        [
          'action.json',
          '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["getpid"],"action":"SCMP_ACT_NOTIFY"}]}',
          /is not an action/,
        ],
        ['missing.json', undefined, /no such file/],
      ];
      for (const [name, text, why] of cases) {
        const path = join(dir, name);
        if (text !== undefined) writeFileSync(path, text);
        const result = await mydocker.run(['run', '--rm', '--security-opt', `seccomp=${path}`, 'busybox', 'true']);
        expectExitCode(result, 125);
        const lines = result.stderr.trim().split('\n');
        expect(lines, describeRun(result)).toHaveLength(1);
        expect(lines[0], describeRun(result)).toMatch(
          new RegExp(`^mydocker: seccomp profile ${path.replaceAll('.', '\\.')}: .*${why.source}`),
        );
        expect(mydocker.states(), `containers left after ${describeRun(result)}`).toEqual([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
