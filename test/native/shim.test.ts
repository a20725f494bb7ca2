// The native shim, driven directly with a plan as argv (no TypeScript runtime in between): the
// container steps, the host steps around them, docker's exit codes and its one-line messages.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildShim, shimBinary } from '../../scripts/build.mjs';
import { planArguments, planEnvironment } from '../../solutions/src/shim/argv.ts';
import type { HostStep, HostSteps, Plan, Step } from '../../solutions/src/kernel/plan.ts';
import { containerOps, enterOps, hostOps } from '../../solutions/src/kernel/ops.ts';
import { compileFilter } from '../../solutions/src/security/seccomp/compile.ts';
import { checkProfile } from '../../solutions/src/security/seccomp/profile.ts';
import { resolveRules } from '../../solutions/src/security/seccomp/rules.ts';
import { connectInput } from '../../solutions/src/daemon/input-socket.ts';
import {
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  MNT_DETACH,
  MS_BIND,
  MS_PRIVATE,
  MS_REC,
  S_IFCHR,
} from '../../solutions/src/kernel/constants.ts';

const isRoot = process.getuid?.() === 0;
const noHostSteps: HostSteps = { created: [], ended: [], failed: [] };

function plan(steps: Step[], more: Partial<Plan> = {}): Plan {
  return { namespaces: [], cloneFlags: 0, stdin: 'null', steps, host: noHostSteps, ...more };
}

/** Runs the shim as mydocker does: the plan as argv, the command's environment as its own. */
function runShim(args: string[] | Plan, options: { input?: string } = {}) {
  const argv = Array.isArray(args) ? args : planArguments(args);
  const env = Array.isArray(args) ? {} : planEnvironment(args);
  return execa(shimBinary, argv, {
    reject: false,
    stripFinalNewline: false,
    env,
    extendEnv: false,
    ...(options.input === undefined ? { stdin: 'ignore' } : { input: options.input }),
  });
}

const exec = (argv: string[], search = '/usr/bin:/bin'): Step => ({
  op: 'exec',
  argv,
  env: [`PATH=${search}`],
  search,
});

describe('mydocker-shim', () => {
  let dir = '';
  beforeAll(async () => {
    await buildShim();
    dir = mkdtempSync(join(tmpdir(), 'shim-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('runs the command with the stdio it was given and exits with its code', async () => {
    const result = await runShim(plan([exec(['sh', '-c', 'echo out; echo err >&2; exit 7'])]));
    expect(result.stdout).toBe('out\n');
    expect(result.stderr).toBe('err\n');
    expect(result.exitCode).toBe(7);
  });

  test('exits 128+n when signal n killed the command', async () => {
    expect((await runShim(plan([exec(['sh', '-c', 'kill -TERM $$'])]))).exitCode).toBe(143);
    expect((await runShim(plan([exec(['sh', '-c', 'kill -KILL $$'])]))).exitCode).toBe(137);
  });

  test('gives the container /dev/null as stdin without -i, and its own stdin with it', async () => {
    const cat = [exec(['cat'])];
    expect((await runShim(plan(cat), { input: 'typed\n' })).stdout).toBe('');
    expect((await runShim(plan(cat, { stdin: 'inherit' }), { input: 'typed\n' })).stdout).toBe('typed\n');
  });

  test("the command gets exactly the plan's environment", async () => {
    const result = await runShim(
      plan([{ op: 'exec', argv: ['env'], env: ['PATH=/usr/bin:/bin', 'GREETING=a b=c'], search: '/usr/bin:/bin' }]),
    );
    expect(result.stdout.trim().split('\n').sort()).toEqual(['GREETING=a b=c', 'PATH=/usr/bin:/bin']);
  });

  test('a plan that never execs is a runtime error (125), not a command error', async () => {
    const result = await runShim(plan([{ op: 'sethostname', name: 'x' }]));
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^mydocker: (the plan ends without an exec step|step 1, sethostname x: EPERM)/);
  });

  test("a program of the host's (restore-rules) runs with an empty environment, never the container's", async () => {
    const shown = join(dir, 'program-env');
    const program = join(dir, 'show-env');
    writeFileSync(program, `#!/bin/sh\n/usr/bin/env > ${shown}\n`, { mode: 0o755 });
    const rules = join(dir, 'no-rules');
    writeFileSync(rules, '');
    const container = ['PATH=/usr/bin:/bin', 'LD_PRELOAD=/nonexistent/preload.so', 'NODE_OPTIONS=--require=/x'];
    const result = await runShim(
      plan([{ op: 'exec', argv: ['true'], env: container, search: '/usr/bin:/bin' }], {
        host: { created: [{ op: 'restore-rules', program, file: rules }], ended: [], failed: [] },
      }),
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const inherited = readFileSync(shown, 'utf8')
      .split('\n')
      .filter((line) => /^(PATH|LD_PRELOAD|NODE_OPTIONS)=/.test(line));
    expect(inherited, "the container's variables in the program's environment").toEqual([]);
  });

  test('a host write of any length is written whole', async () => {
    const file = join(dir, 'long');
    const content = 'x'.repeat(20_000) + '{pid}';
    const result = await runShim(
      plan([exec(['true'])], { host: { created: [{ op: 'write', path: file, content }], ended: [], failed: [] } }),
    );
    expect(result.exitCode).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^x{20000}\d+$/);
  });

  test.runIf(isRoot && existsSync('/sys/fs/cgroup/pids/tasks'))(
    'join: the container moves itself into a cgroup before its command runs',
    async () => {
      const cgroup = `/sys/fs/cgroup/pids/mydocker-shim-test-${process.pid}`;
      mkdirSync(cgroup);
      try {
        const result = await runShim(
          plan([{ op: 'join', path: `${cgroup}/tasks` }, exec(['cat', '/proc/self/cgroup'])]),
        );
        expect(result.stdout).toMatch(new RegExp(`:pids:/mydocker-shim-test-${process.pid}$`, 'm'));
      } finally {
        rmdirSync(cgroup);
      }
    },
  );

  test('the container inherits only its stdio', async () => {
    const result = await runShim(plan([exec(['ls', '/proc/self/fd'])]));
    // 0-2, and the directory ls itself has open to read /proc/self/fd
    expect(result.stdout.trim().split('\n').map(Number)).toEqual([0, 1, 2, 3]);
  });

  test.each([
    [
      'no such command: 127',
      exec(['no-such-program']),
      127,
      'mydocker: exec: "no-such-program": executable file not found in $PATH\n',
    ],
    ['no such file: 127', exec(['/no/such/file']), 127, 'mydocker: exec: "/no/such/file": no such file or directory\n'],
  ])("%s, in docker's words", async (_, step, code, message) => {
    const result = await runShim(plan([step]));
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toBe(message);
  });

  test('searches the PATH of the new environment, skips non-executables, and reports EACCES (126) when only those exist', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    mkdirSync(first);
    mkdirSync(second);
    writeFileSync(join(first, 'tool'), '#!/bin/sh\necho first\n');
    chmodSync(join(first, 'tool'), 0o644);
    writeFileSync(join(second, 'tool'), '#!/bin/sh\necho second\n');
    chmodSync(join(second, 'tool'), 0o755);
    expect((await runShim(plan([exec(['tool'], `/nonexistent:${first}:${second}`)]))).stdout).toBe('second\n');
    const denied = await runShim(plan([exec(['tool'], `/nonexistent:${first}`)]));
    expect(denied.exitCode).toBe(126);
    expect(denied.stderr).toBe('mydocker: exec: "tool": permission denied\n');
  });

  test('a failing set-up step is named with its errno, exits 125, and runs the failed steps', async () => {
    const marker = join(dir, 'failed-marker');
    writeFileSync(marker, 'x');
    const steps: Step[] = [
      { op: 'mount', source: 'none', target: '/no/such/dir', fstype: 'tmpfs', flags: 0, data: '' },
      exec(['true']),
    ];
    const result = await runShim(
      plan(steps, { host: { created: [], ended: [], failed: [{ op: 'unlink', path: marker }] } }),
    );
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('mydocker: step 1, mount /no/such/dir: ENOENT (no such file or directory)\n');
    expect(existsSync(marker)).toBe(false);
  });

  describe("the whole plan is checked against the shim's tables before anything is made", () => {
    // Each op as it goes into argv: its name, its argument count, its arguments.
    const op = (name: string, ...args: string[]) => [name, String(args.length), ...args];
    const section = (name: string, ops: string[][]) => [name, String(ops.length), ...ops.flat()];
    const exec = ['exec', '3', '/bin', '1', 'true'];

    // A created step that writes a marker, and a failed step that removes one: had either run, the
    // shim had cloned (created runs after clone) or had made something to undo.
    function plan(container: string[][], ended: string[][] = [], cloneFlags = CLONE_NEWNS, enter: string[][] = []) {
      const written = join(dir, 'refused-written');
      const kept = join(dir, 'refused-kept');
      writeFileSync(kept, 'x');
      rmSync(written, { force: true });
      const args = [
        '2',
        String(cloneFlags),
        'null',
        'inherit',
        ...section('enter', enter),
        ...section('container', container),
        ...section('created', [op('write', written, '{pid}')]),
        ...section('ended', ended),
        ...section('failed', [op('unlink', kept)]),
      ];
      return { args, written, kept };
    }

    test.each([
      ['an unknown op', [op('frobnicate'), exec], [], 'container step 1, frobnicate: unknown op'],
      ['an unknown host op', [exec], [op('frobnicate', '/x')], 'ended step 1, frobnicate: unknown op'],
      ['a host op in the container', [op('unlink', '/x'), exec], [], 'container step 1, unlink: unknown op'],
      [
        'too few arguments',
        [op('mount', 'none', '/mnt', 'tmpfs', '0'), exec],
        [],
        'container step 1, mount: 4 arguments, expected 5',
      ],
      [
        'too many arguments',
        [op('sethostname', 'a', 'b'), exec],
        [],
        'container step 1, sethostname: 2 arguments, expected 1',
      ],
      [
        "exec's argv count disagrees",
        [op('exec', '/bin', '1', 'true', 'extra')],
        [],
        'container step 1, exec: 4 arguments, expected 3',
      ],
      [
        'mount flags that are not a number',
        [op('mount', 'none', '/mnt', 'tmpfs', '12x', ''), exec],
        [],
        'container step 1, mount: argument 4 is "12x", not a decimal number',
      ],
      [
        'a negative number',
        [op('umount2', '/mnt', '-1'), exec],
        [],
        'container step 1, umount2: argument 2 is "-1", not a decimal number up to 2147483647',
      ],
      [
        'a number out of range',
        [op('umount2', '/mnt', '2147483648'), exec],
        [],
        'container step 1, umount2: argument 2 is "2147483648", not a decimal number up to 2147483647',
      ],
      [
        'an empty number',
        [op('mkdir', '/x', ''), exec],
        [],
        'container step 1, mkdir: argument 2 is "", not an octal mode up to 7777',
      ],
      [
        'a mode that is not octal, in a later step',
        [op('sethostname', 'x'), op('mkdir', '/x', '789'), exec],
        [],
        'container step 2, mkdir: argument 2 is "789", not an octal mode up to 7777',
      ],
      [
        'a device number too large',
        [op('mknod', '/dev/x', '20666', '1', '4294967296'), exec],
        [],
        'container step 1, mknod: argument 4 is "4294967296", not a decimal number up to 4294967295',
      ],
      [
        'an exec with no command',
        [op('exec', '/bin', '0')],
        [],
        'container step 1, exec: argument 2 is "0", not a decimal count from 1',
      ],
      [
        'a setns of any namespace type (0)',
        [op('setns', '/proc/1/ns/mnt', '0'), exec],
        [],
        'container step 1, setns: argument 2 is "0", not one CLONE_NEW* namespace flag',
      ],
      [
        'a setns type that is no CLONE_NEW* flag',
        [op('setns', '/proc/1/ns/mnt', '17'), exec],
        [],
        'container step 1, setns: argument 2 is "17", not one CLONE_NEW* namespace flag',
      ],
      [
        'a setns of two types at once',
        [op('setns', '/proc/1/ns/mnt', String(CLONE_NEWNS | CLONE_NEWUTS)), exec],
        [],
        `container step 1, setns: argument 2 is "${CLONE_NEWNS | CLONE_NEWUTS}", not one CLONE_NEW* namespace flag`,
      ],
      [
        'a capability mask that is not hex',
        [op('capabilities', '0xa80425fb', '0xa80425fb', '0xa80425fb', '0x0', 'all'), exec],
        [],
        'container step 1, capabilities: argument 5 is "all", not a hex mask like 0xa80425fb',
      ],
      [
        'a capability mask wider than 64 bits',
        [op('capabilities', '0x1ffffffffffffffff', '0x0', '0x0', '0x0', '0x0'), exec],
        [],
        'container step 1, capabilities: argument 1 is "0x1ffffffffffffffff", not a hex mask like 0xa80425fb',
      ],
      [
        'an interface name longer than 15 bytes (IFNAMSIZ)',
        [op('link-up', 'sixteen-bytes-xx'), exec],
        [],
        `container step 1, link-up: argument 1 is "sixteen-bytes-xx", not an interface name of 1 to 15 bytes without '/', ':' or blanks`,
      ],
      [
        'an empty interface name',
        [op('link-up', ''), exec],
        [],
        `container step 1, link-up: argument 1 is "", not an interface name of 1 to 15 bytes without '/', ':' or blanks`,
      ],
      [
        'an interface name with a slash',
        [exec],
        [op('veth', 'veth/0', 'eth0', '02:42:0a:58:00:02')],
        `ended step 1, veth: argument 1 is "veth/0", not an interface name of 1 to 15 bytes without '/', ':' or blanks`,
      ],
      [
        'a multicast MAC address',
        [exec],
        [op('veth', 'veth0', 'eth0', '03:42:0a:58:00:02')],
        'ended step 1, veth: argument 3 is "03:42:0a:58:00:02", not a unicast MAC address like 02:42:ac:11:00:02',
      ],
      [
        'a prefix length over 32',
        [op('addr', 'eth0', '10.88.0.2/33'), exec],
        [],
        'container step 1, addr: argument 2 is "10.88.0.2/33", not an IPv4 address/prefix length (0 to 32)',
      ],
      [
        'an address without its prefix length',
        [op('addr', 'eth0', '10.88.0.2'), exec],
        [],
        'container step 1, addr: argument 2 is "10.88.0.2", not an IPv4 address/prefix length (0 to 32)',
      ],
      [
        'a gateway that is no IPv4 address',
        [op('route', 'eth0', '10.88.0.256'), exec],
        [],
        'container step 1, route: argument 2 is "10.88.0.256", not an IPv4 address',
      ],
      [
        'a seccomp program that is not hex',
        [op('seccomp', '0600000000007fzz'), exec],
        [],
        'container step 1, seccomp: argument 1 is "0600000000007fzz", not a BPF program: hex of 1 to 4096 struct sock_filter (16 digits each)',
      ],
      [
        'a seccomp program that is not a whole number of instructions',
        [op('seccomp', '0600000000007f'), exec],
        [],
        'container step 1, seccomp: argument 1 is "0600000000007f", not a BPF program: hex of 1 to 4096 struct sock_filter (16 digits each)',
      ],
      [
        'an empty seccomp program',
        [op('seccomp', ''), exec],
        [],
        'container step 1, seccomp: argument 1 is "", not a BPF program: hex of 1 to 4096 struct sock_filter (16 digits each)',
      ],
    ])('%s: one line naming the step, 125, nothing made', async (_, container, ended, why) => {
      const { args, written, kept } = plan(container, ended);
      const result = await runShim(args);
      expect(result.stderr).toBe(`mydocker-shim: plan refused, ${why} (the runtime and the shim are out of step)\n`);
      expect(result.exitCode).toBe(125);
      expect(existsSync(written), 'no created step ran: nothing was cloned').toBe(false);
      expect(existsSync(kept), 'no failed step ran').toBe(true);
    });

    test.each([
      [
        'a container op before clone',
        [op('mount', 'none', '/mnt', 'tmpfs', '0', '')],
        'enter step 1, mount: unknown op',
      ],
      [
        'a bad namespace type before clone',
        [op('setns', '/proc/1/ns/pid', '0')],
        'enter step 1, setns: argument 2 is "0", not one CLONE_NEW* namespace flag',
      ],
    ])('%s: refused in the enter section, 125, nothing made', async (_, enter, why) => {
      const { args, written, kept } = plan([exec], [], 0, enter);
      const result = await runShim(args);
      expect(result.stderr).toBe(`mydocker-shim: plan refused, ${why} (the runtime and the shim are out of step)\n`);
      expect(result.exitCode).toBe(125);
      expect(existsSync(written), 'no created step ran: nothing was cloned').toBe(false);
      expect(existsSync(kept), 'no failed step ran').toBe(true);
    });

    test.runIf(isRoot)(
      'the same plan with its ops spelled right runs its created step (so the marker can tell)',
      async () => {
        const { args, written } = plan([op('sethostname', 'x'), exec], [], CLONE_NEWUTS);
        const result = await runShim(args);
        expect(result.stderr).toBe('');
        expect(existsSync(written)).toBe(true);
      },
    );
  });

  test.runIf(isRoot)(
    'seccomp: the filter is on the command (Seccomp 2 in its status) and answers for the kernel',
    async () => {
      // Allow all but uname(2), which gets ENOSYS (38); root loads it without no_new_privs (CAP_SYS_ADMIN).
      const profile = checkProfile(
        { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['uname'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }] },
        'test',
      );
      const { program } = compileFilter(resolveRules(profile, undefined))!;
      const status = await runShim(plan([{ op: 'seccomp', program }, exec(['grep', '^Seccomp', '/proc/self/status'])]));
      expect(status.stderr).toBe('');
      expect(status.stdout).toBe('Seccomp:\t2\nSeccomp_filters:\t1\n');
      const uname = await runShim(plan([{ op: 'seccomp', program }, exec(['uname'])]));
      expect(uname.stderr).toMatch(/function not implemented|not implemented/i);
      expect(uname.exitCode).not.toBe(0);
    },
  );

  test("every op in the runtime's tables (kernel/ops.ts) is in the shim's tables too", async () => {
    const sections = (container: string[], host: string[]) => [
      'enter',
      '0',
      'container',
      ...container,
      'created',
      ...host,
      'ended',
      '0',
      'failed',
      '0',
    ];
    // With the wrong number of arguments (none, or one for an op that takes none), an op the shim
    // knows is refused for its arity, one it does not as unknown.
    const anyField = new Proxy({}, { get: () => '' }) as never;
    const wrongArity = (entry: { args(step: never): string[] }) =>
      entry.args(anyField).length > 0 ? ['0'] : ['1', 'x'];
    const refusals = await Promise.all([
      ...Object.entries(containerOps).map(([op, entry]) =>
        runShim(['2', '0', 'null', 'inherit', ...sections(['1', op, ...wrongArity(entry)], ['0'])]),
      ),
      ...Object.keys(hostOps).map((op) => runShim(['2', '0', 'null', 'inherit', ...sections(['0'], ['1', op, '0'])])),
    ]);
    const enterRefusals = await Promise.all(
      Object.keys(enterOps).map((op) =>
        runShim(['2', '0', 'null', 'inherit', 'enter', '1', op, '0', ...sections(['0'], ['0']).slice(2)]),
      ),
    );
    for (const result of [...refusals, ...enterRefusals])
      expect(result.stderr).toMatch(/: [01] arguments, expected \d+ \(/);
  });

  test("numbers in the plan's frame are checked too", async () => {
    const result = await runShim([
      '2',
      '0x10',
      'null',
      'inherit',
      'enter',
      '0',
      'container',
      '0',
      'created',
      '0',
      'ended',
      '0',
      'failed',
      '0',
    ]);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe(
      'mydocker-shim: malformed plan from the runtime (clone flags); start containers with mydocker\n',
    );
  });

  test.runIf(isRoot)(
    'root filesystem ops: bind, pivot_root, detach the old root, mknod, symlink, in a new mount namespace',
    async () => {
      const root = join(dir, 'newroot');
      mkdirSync(join(root, 'bin'), { recursive: true });
      mkdirSync(join(root, 'dev'));
      execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
      const steps: Step[] = [
        { op: 'mount', source: '', target: '/', fstype: '', flags: MS_REC | MS_PRIVATE, data: '' },
        { op: 'mount', source: root, target: root, fstype: '', flags: MS_BIND | MS_REC, data: '' },
        { op: 'mkdir', path: `${root}/.old`, mode: 0o700 },
        { op: 'pivot_root', newRoot: root, putOld: `${root}/.old` },
        { op: 'chdir', path: '/' },
        { op: 'umount2', target: '/.old', flags: MNT_DETACH },
        { op: 'rmdir', path: '/.old' },
        { op: 'mount', source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: 0, data: 'mode=755' },
        { op: 'mknod', path: '/dev/null', mode: S_IFCHR | 0o666, major: 1, minor: 3 },
        { op: 'symlink', target: '/bin/busybox', path: '/dev/sh-link' },
        exec([
          '/bin/busybox',
          'sh',
          '-c',
          '/bin/busybox ls -A /; /bin/busybox stat -c "%F %t:%T %a" /dev/null; /bin/busybox readlink /dev/sh-link',
        ]),
      ];
      const result = await runShim(plan(steps, { namespaces: ['mnt'], cloneFlags: CLONE_NEWNS }));
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('bin\ndev\ncharacter special file 1:3 666\n/bin/busybox\n');
      expect(existsSync(join(root, '.old')), 'put_old is removed').toBe(false);
    },
  );

  test.runIf(isRoot)(
    'capabilities: the five sets as given (bounding dropped, capset, ambient raised), and no_new_privs',
    async () => {
      // docker's fourteen; CHOWN (bit 0) also inheritable and ambient, which a raise needs in both.
      const docker = 0xa80425fbn;
      const steps: Step[] = [
        { op: 'no-new-privs' },
        { op: 'capabilities', bounding: docker, effective: docker, permitted: docker, inheritable: 1n, ambient: 1n },
        exec(['grep', '-E', '^(Cap|NoNewPrivs)', '/proc/self/status']),
      ];
      const result = await runShim(plan(steps));
      expect(result.stderr).toBe('');
      // A root command gets the bounding set (and the inheritable one) on execve; the ambient set stays.
      expect(result.stdout).toBe(
        [
          'CapInh:\t0000000000000001',
          'CapPrm:\t00000000a80425fb',
          'CapEff:\t00000000a80425fb',
          'CapBnd:\t00000000a80425fb',
          'CapAmb:\t0000000000000001',
          'NoNewPrivs:\t1',
          '',
        ].join('\n'),
      );
    },
  );

  test.runIf(isRoot)('capabilities: a permitted set beyond what the caller holds is EPERM, 125', async () => {
    // After the bounding set is down to CHOWN, capset cannot raise permitted past the caller's own:
    // a second capabilities step asking for KILL (bit 5) too fails.
    const steps: Step[] = [
      { op: 'capabilities', bounding: 1n, effective: 1n, permitted: 1n, inheritable: 0n, ambient: 0n },
      { op: 'capabilities', bounding: 0x21n, effective: 0x21n, permitted: 0x21n, inheritable: 0n, ambient: 0n },
      exec(['true']),
    ];
    const result = await runShim(plan(steps));
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe('mydocker: step 2, capabilities 0x21: EPERM (operation not permitted)\n');
  });

  test.runIf(isRoot)(
    'unshare: a cgroup namespace for the child itself, rooted at its cgroup; flags other than CLONE_NEW* refused with the plan',
    async () => {
      const steps: Step[] = [
        { op: 'unshare', flags: CLONE_NEWCGROUP },
        exec(['sh', '-c', 'readlink /proc/self/ns/cgroup; grep "^0::" /proc/self/cgroup']),
      ];
      const result = await runShim(plan(steps));
      expect(result.stderr).toBe('');
      const [namespace, v2Line] = result.stdout.split('\n');
      expect(namespace, 'its cgroup namespace').not.toBe(readlinkSync('/proc/self/ns/cgroup'));
      expect(v2Line, 'its cgroup in the unified hierarchy, seen from inside').toBe('0::/');
      const refused = await runShim(plan([{ op: 'unshare', flags: 0x400 /* CLONE_FILES */ }, exec(['true'])]));
      expect(refused.exitCode).toBe(125);
      expect(refused.stderr).toBe(
        'mydocker-shim: plan refused, container step 1, unshare: argument 1 is "1024", not CLONE_NEW* namespace flags (the runtime and the shim are out of step)\n',
      );
    },
  );

  test('runs from a sealed memfd copy of itself, under its own name; a copy run again does not copy', async () => {
    // The command looks at its parent, the shim: its executable, its seals, its name.
    const steps: Step[] = [exec(['sh', '-c', 'readlink /proc/$PPID/exe; cat /proc/$PPID/comm'])];
    const result = await runShim(plan(steps));
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('/memfd:mydocker-shim (deleted)\nmydocker-shim\n');
    // /proc/self/exe of a sealed copy is that copy. Exec'd again with a plan (as a container's
    // /proc/self/exe would be), it finds its seals and makes no second copy: its child sees the same
    // memfd (a copy would be another inode).
    const inner = ['2', '0', 'null', 'inherit', 'enter', '0', 'container', '1', 'exec', '5', '/usr/bin:/bin', '3']
      .concat(['sh', '-c', 'stat -L -c %i /proc/$PPID/exe', 'created', '0', 'ended', '0', 'failed', '0'])
      .map((word) => `'${word}'`)
      .join(' ');
    const again = await runShim(
      plan([exec(['sh', '-c', `stat -L -c %i /proc/$PPID/exe; exec /proc/$PPID/exe ${inner}`])]),
    );
    expect(again.stderr).toBe('');
    const [first, second] = again.stdout.trim().split('\n');
    expect(second, `the inode of the shim's memfd, then of the shim run again from it (${again.stdout})`).toBe(first);
  });

  test.runIf(isRoot)('chroot changes the root directory only', async () => {
    const root = join(dir, 'chrooted');
    mkdirSync(join(root, 'bin'), { recursive: true });
    execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
    const steps: Step[] = [{ op: 'chroot', path: root }, { op: 'chdir', path: '/' }, exec(['/bin/busybox', 'ls', '/'])];
    const result = await runShim(plan(steps));
    expect(result.stdout).toBe('bin\n');
  });

  test('remove-tree removes a directory with everything in it, and what is gone already is fine', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'a', 'b'), { recursive: true });
    writeFileSync(join(tree, 'a', 'b', 'file'), 'x');
    symlinkSync('/etc/passwd', join(tree, 'a', 'link'));
    const host: HostSteps = {
      created: [],
      ended: [
        { op: 'remove-tree', path: tree },
        { op: 'remove-tree', path: join(dir, 'never-made') },
      ],
      failed: [],
    };
    const result = await runShim(plan([exec(['true'])], { host }));
    expect(result.stderr).toBe('');
    expect(existsSync(tree)).toBe(false);
    expect(existsSync('/etc/passwd'), 'a symlink is removed, not followed').toBe(true);
  });

  test.runIf(isRoot)('remove-tree does not enter a mount point below it, and says so', async () => {
    const tree = join(dir, 'mounted-tree');
    mkdirSync(join(tree, 'mnt'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(tree, 'mnt')]);
    writeFileSync(join(tree, 'mnt', 'kept'), 'x');
    try {
      const host: HostSteps = { created: [], ended: [{ op: 'remove-tree', path: tree }], failed: [] };
      const result = await runShim(plan([exec(['true'])], { host }));
      expect(result.stderr).toMatch(/^mydocker: after the container ended, remove-tree .*mounted-tree: /);
      expect(readFileSync(join(tree, 'mnt', 'kept'), 'utf8'), 'the file on the mounted filesystem').toBe('x');
    } finally {
      execFileSync('umount', [join(tree, 'mnt')]);
    }
  });

  test('run-program: the program with its arguments and only the leading assignments as environment, waited for; a failure is one line and the rest still runs', async () => {
    const out = join(dir, 'run-program-out');
    const after = join(dir, 'run-program-after');
    const script = `printf '%s|\\n' "$@" > ${out}; env | sort >> ${out}`;
    const host: HostSteps = {
      created: [],
      ended: [
        { op: 'run-program', argv: ['A=1', 'B=two words', '/bin/sh', '-c', script, 'sh', 'x y', 'z'] },
        // waited for: the next op sees what it wrote
        { op: 'write', path: after, content: 'after\n' },
      ],
      failed: [],
    };
    // The container's environment (the shim's) has GREETING: the program must not get it.
    const result = await runShim(
      plan([{ op: 'exec', argv: ['true'], env: ['PATH=/usr/bin:/bin', 'GREETING=hi'], search: '/usr/bin:/bin' }], {
        host,
      }),
    );
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    const [first, second, ...env] = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect([first, second], 'its arguments, one a line').toEqual(['x y|', 'z|']);
    expect(
      env.filter((line) => !line.startsWith('PWD=') && !line.startsWith('SHLVL=') && !line.startsWith('_=')),
    ).toEqual(['A=1', 'B=two words']);
    expect(readFileSync(after, 'utf8')).toBe('after\n');

    const failing: HostSteps = {
      created: [],
      ended: [
        { op: 'run-program', argv: ['/bin/sh', '-c', 'exit 3'] },
        { op: 'run-program', argv: ['A=1', 'sh', '-c', 'true'] },
        { op: 'run-program', argv: ['A=1'] },
        { op: 'unlink', path: after },
      ],
      failed: [],
    };
    const refused = await runShim(plan([exec(['true'])], { host: failing }));
    expect(refused.exitCode, "the container's code, whatever its ended ops did").toBe(0);
    expect(refused.stderr).toBe(
      [
        'mydocker: after the container ended, run-program /bin/sh: EINVAL (invalid argument)',
        'mydocker: after the container ended, run-program A=1: EINVAL (invalid argument)',
        'mydocker: after the container ended, run-program A=1: EINVAL (invalid argument)',
        '',
      ].join('\n'),
    );
    expect(existsSync(after), 'the op after the failing ones ran').toBe(false);
  });

  test('host steps: {pid} before the start, {exit} after the end', async () => {
    const pidFile = join(dir, 'pid');
    const exitFile = join(dir, 'exit');
    const host: HostSteps = {
      created: [{ op: 'write', path: pidFile, content: '{pid}\n' }],
      ended: [{ op: 'write', path: exitFile, content: 'code {exit}\n' }],
      failed: [],
    };
    const shim = runShim(plan([exec(['sh', '-c', 'echo $$ $PPID; exit 5'])], { host }));
    const result = await shim;
    const [containerPid, parentPid] = result.stdout.trim().split(' ').map(Number);
    expect(result.exitCode).toBe(5);
    expect(readFileSync(exitFile, 'utf8')).toBe('code 5\n');
    expect(readFileSync(pidFile, 'utf8'), "the pid file holds the container's pid").toBe(`${containerPid}\n`);
    expect(parentPid, "the container's parent is the shim").toBe(shim.pid);
  });

  test('host steps: {start}, {shim}, {shimstart} and {time} name the processes by pid and start time', async () => {
    const file = join(dir, 'running.json');
    const finished = join(dir, 'exit.json');
    const host: HostSteps = {
      created: [
        {
          op: 'write',
          path: file,
          content: '{"pid":{pid},"start":{start},"shim":{shim},"shimStart":{shimstart},"startedAt":"{time}"}\n',
        },
      ],
      ended: [{ op: 'write', path: finished, content: '{"exitCode":{exit},"finishedAt":"{time}"}\n' }],
      failed: [],
    };
    // The container prints its own start time (field 22 of /proc/self/stat; its command has no space).
    const shim = runShim(
      plan([exec(['sh', '-c', 'cut -d" " -f22 /proc/$$/stat; cut -d" " -f22 /proc/$PPID/stat'])], { host }),
    );
    const result = await shim;
    const [containerStart, shimStart] = result.stdout.trim().split('\n').map(Number);
    const running = JSON.parse(readFileSync(file, 'utf8'));
    expect(running.start, "{start}: the container's field 22").toBe(containerStart);
    expect(running.shim, '{shim}: the shim that ran the step').toBe(shim.pid);
    expect(running.shimStart, "{shimstart}: the shim's field 22").toBe(shimStart);
    expect(running.startedAt, '{time}: RFC 3339 in UTC with nanoseconds').toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/,
    );
    expect(Math.abs(Date.parse(running.startedAt) - Date.now()), '{time} is now').toBeLessThan(60_000);
    const exit = JSON.parse(readFileSync(finished, 'utf8'));
    expect(exit.exitCode).toBe(0);
    expect(exit.finishedAt >= running.startedAt, 'finishedAt after startedAt').toBe(true);
  });

  test('a failing host step stops the start: the container never runs, the failed steps do', async () => {
    const ran = join(dir, 'container-ran');
    const cleaned = join(dir, 'cleaned');
    writeFileSync(cleaned, 'x');
    const host: HostSteps = {
      created: [{ op: 'write', path: join(dir, 'no/such/dir/pid'), content: '{pid}' }],
      ended: [],
      failed: [{ op: 'unlink', path: cleaned }],
    };
    const result = await runShim(plan([exec(['touch', ran])], { host }));
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(/^mydocker: preparing the host, write .*no\/such\/dir\/pid: ENOENT/);
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(cleaned)).toBe(false);
  });

  test('passes SIGTERM on to the container', async () => {
    const shim = runShim(plan([exec(['sleep', '30'])]));
    await new Promise((resolve) => setTimeout(resolve, 150));
    shim.kill('SIGTERM');
    expect((await shim).exitCode).toBe(143);
  });

  test('a malformed plan is refused with one line and 125', async () => {
    const result = await runShim(['2', '0', 'null', 'inherit', 'enter', '0', 'container']);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toBe(
      'mydocker-shim: malformed plan from the runtime (container); start containers with mydocker\n',
    );
  });

  test.runIf(isRoot)('clones into new namespaces: PID 1 with its own hostname', async () => {
    const result = await runShim(
      planArguments(
        plan([{ op: 'sethostname', name: 'shim-test' }, exec(['sh', '-c', 'echo $$ $(hostname)'])], {
          cloneFlags: CLONE_NEWPID | CLONE_NEWUTS,
        }),
      ),
    );
    expect(result.stdout).toBe('1 shim-test\n');
  });

  // The network ops (rtnetlink). Everything happens inside a network namespace that `unshare -n`
  // makes for the test: a bridge with the gateway's address and a TCP server there play the host's
  // side; the namespace, and all that is in it, goes with its last process.
  describe.runIf(isRoot)('network ops, inside a network namespace the test made', () => {
    const bridge = 'br-shimtest';
    const gateway = '10.88.0.1';
    const hostEnd = 'veth-shimtest';
    // $1 is the shim and the rest its plan. The lab host's side: the bridge, up, with the gateway's
    // address, and a server that answers one connection with "pong".
    const labHost = [
      'set -e',
      `ip link add ${bridge} type bridge`,
      `ip addr add ${gateway}/16 dev ${bridge}`,
      `ip link set ${bridge} up`,
      'busybox nc -l -p 8080 -e /bin/busybox echo pong & server=$!',
      'set +e; "$@"; echo "shim exited $?"',
      'kill $server 2>/dev/null',
      // Without a link-delete in `ended`, the kernel deletes the pair when the container's namespace
      // goes, in its cleanup workqueue (ADR 0009): a moment after the shim's exit.
      `for i in $(seq 100); do ip link show ${hostEnd} >/dev/null 2>&1 || break; sleep 0.01; done`,
      'echo "links after:" $(ip -o link show | cut -d: -f2)',
    ].join('\n');
    const search = '/usr/sbin:/usr/bin:/sbin:/bin';

    function inLabHost(steps: Step[], host: Partial<HostSteps>) {
      const p = plan(steps, {
        namespaces: ['net'],
        cloneFlags: CLONE_NEWNET,
        host: { ...noHostSteps, ...host },
      });
      return execa('unshare', ['-n', '--', 'sh', '-c', labHost, 'sh', shimBinary, ...planArguments(p)], {
        reject: false,
        env: planEnvironment(p),
        extendEnv: false,
        stdin: 'ignore',
        timeout: 20_000,
        stripFinalNewline: false,
      });
    }

    const network: Step[] = [
      { op: 'link-up', link: 'lo' },
      { op: 'link-up', link: 'eth0' },
      { op: 'addr', link: 'eth0', address: '10.88.0.2', prefixLength: 16 },
      { op: 'route', link: 'eth0', gateway },
    ];
    const mac = '02:42:0a:58:00:02';
    const createVeth: HostStep = { op: 'veth', link: hostEnd, peer: 'eth0', mac };
    const hostHalf: HostSteps = {
      created: [createVeth, { op: 'attach', link: hostEnd, bridge }],
      ended: [],
      failed: [{ op: 'link-delete', link: hostEnd }],
    };

    test('a veth into the container, its host end on the bridge; eth0 has its address and route; ping and TCP reach the gateway; nothing is left', async () => {
      const inside = [
        'ip -j addr show',
        'ip -j route show',
        `busybox ping -c 1 -W 2 ${gateway} >/dev/null && echo "ping ok"`,
        // the server may still be starting: a few tries
        `for i in 1 2 3 4 5 6 7 8 9 10; do r=$(busybox nc ${gateway} 8080 </dev/null) && [ -n "$r" ] && break; sleep 0.1; done; echo "tcp $r"`,
      ].join('; ');
      const result = await inLabHost([...network, exec(['sh', '-c', inside], search)], hostHalf);
      expect(result.stderr).toBe('');
      const [addrs, routes, ...rest] = result.stdout.trim().split('\n');
      const links = JSON.parse(addrs ?? '[]') as {
        ifname: string;
        flags: string[];
        addr_info: { family: string; local: string; prefixlen: number }[];
      }[];
      expect(links.map((link) => link.ifname).sort(), 'lo and the peer, named eth0 from its birth').toEqual([
        'eth0',
        'lo',
      ]);
      const eth0 = links.find((link) => link.ifname === 'eth0');
      expect(eth0?.flags).toContain('UP');
      expect((eth0 as { address?: string } | undefined)?.address, 'the MAC given to the peer').toBe(mac);
      expect(links.find((link) => link.ifname === 'lo')?.flags).toContain('UP');
      expect(eth0?.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`)).toEqual([
        '10.88.0.2/16',
      ]);
      expect(JSON.parse(routes ?? '[]')).toContainEqual(
        expect.objectContaining({ dst: 'default', gateway, dev: 'eth0' }),
      );
      expect(rest).toEqual(['ping ok', 'tcp pong', 'shim exited 0', `links after: lo ${bridge}`]);
    });

    test("a failing network op is reported like any step (125), and the failed steps delete the host's end", async () => {
      const twice: Step[] = [...network.slice(0, 3), network[2] as Step, exec(['true'], search)];
      const result = await inLabHost(twice, hostHalf);
      expect(result.stderr).toBe('mydocker: step 4, addr eth0 10.88.0.2/16: EEXIST (file exists)\n');
      expect(result.stdout).toBe(`shim exited 125\nlinks after: lo ${bridge}\n`);
    });

    test('a host op that fails stops the start: attach to a bridge that does not exist', async () => {
      const result = await inLabHost([exec(['true'], search)], {
        ...hostHalf,
        created: [createVeth, { op: 'attach', link: hostEnd, bridge: 'br-nosuch' }],
      });
      expect(result.stderr).toBe(
        `mydocker: preparing the host, attach ${hostEnd} br-nosuch: ENODEV (no such device)\n`,
      );
      expect(result.stdout).toBe(`shim exited 125\nlinks after: lo ${bridge}\n`);
    });
  });

  // restore-rules: iptables-restore run by the shim, inside a network namespace of the test's own
  // (each has its own tables), on both backends.
  describe.runIf(isRoot)('restore-rules, inside a network namespace the test made', () => {
    const backends = ['iptables-nft', 'iptables-legacy'].filter((program) =>
      existsSync(`/usr/sbin/${program}-restore`),
    );
    const rule = '-A MYDOCKER -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.88.0.2:80';
    const add = `*nat\n:MYDOCKER - [0:0]\n${rule}\nCOMMIT\n`;
    const remove = `*nat\n${rule.replace('-A', '-D')}\nCOMMIT\n`;

    /** The shim in a fresh netns with these host steps; then that netns's nat table, as iptables-save prints it. */
    function inNetns(program: string, host: Partial<HostSteps>) {
      const p = plan([exec(['true'])], { host: { ...noHostSteps, ...host } });
      const script = `"$@"; echo "shim exited $?"; ${program}-save -t nat | grep -e '^-A' -e '^:MYDOCKER' || true`;
      return execa('unshare', ['-n', '--', 'sh', '-c', script, 'sh', shimBinary, ...planArguments(p)], {
        reject: false,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        extendEnv: false,
        stdin: 'ignore',
        timeout: 20_000,
        stripFinalNewline: false,
      });
    }

    test.each(backends)('%s: created loads the file, ended deletes what it added', async (program) => {
      const addFile = join(dir, `add-${program}`);
      const deleteFile = join(dir, `delete-${program}`);
      writeFileSync(addFile, add);
      writeFileSync(deleteFile, remove);
      const restore = `/usr/sbin/${program}-restore`;
      const kept = await inNetns(program, { created: [{ op: 'restore-rules', program: restore, file: addFile }] });
      expect(kept.stderr).toBe('');
      expect(kept.stdout).toBe(`shim exited 0\n:MYDOCKER - [0:0]\n${rule}\n`);
      const both = await inNetns(program, {
        created: [{ op: 'restore-rules', program: restore, file: addFile }],
        ended: [{ op: 'restore-rules', program: restore, file: deleteFile }],
      });
      expect(both.stderr).toBe('');
      expect(both.stdout).toBe('shim exited 0\n:MYDOCKER - [0:0]\n');
    });

    test.each(backends)(
      '%s: a file the tables refuse fails the start with one line of its own and 125',
      async (program) => {
        const deleteFile = join(dir, `refused-${program}`);
        writeFileSync(deleteFile, remove); // deleting a rule that is not there
        const result = await inNetns(program, {
          created: [{ op: 'restore-rules', program: `/usr/sbin/${program}-restore`, file: deleteFile }],
        });
        expect(result.stdout).toBe('shim exited 125\n');
        expect(result.stderr).toMatch(/line 2 failed/);
        expect(result.stderr.trim().split('\n').at(-1)).toBe(
          `mydocker: preparing the host, restore-rules ${deleteFile}: EINVAL (invalid argument)`,
        );
      },
    );

    test('a program that is not there, or not named by an absolute path: the errno, 125', async () => {
      const file = join(dir, 'any-rules');
      writeFileSync(file, add);
      const missing = await inNetns('iptables', {
        created: [{ op: 'restore-rules', program: '/nonexistent/iptables-restore', file }],
      });
      expect(missing.stderr).toBe(
        `mydocker: preparing the host, restore-rules ${file}: ENOENT (no such file or directory)\n`,
      );
      const relative = await inNetns('iptables', {
        created: [{ op: 'restore-rules', program: 'iptables-restore', file }],
      });
      expect(relative.stderr).toBe(`mydocker: preparing the host, restore-rules ${file}: EINVAL (invalid argument)\n`);
      const noFile = await inNetns('iptables', {
        created: [{ op: 'restore-rules', program: '/usr/sbin/iptables-restore', file: join(dir, 'nosuch') }],
      });
      expect(noFile.stderr).toBe(
        `mydocker: preparing the host, restore-rules ${join(dir, 'nosuch')}: ENOENT (no such file or directory)\n`,
      );
    });
  });

  describe('enter: joining the namespaces of a running process (mydocker exec)', () => {
    const flags = { ipc: CLONE_NEWIPC, uts: CLONE_NEWUTS, net: CLONE_NEWNET, pid: CLONE_NEWPID, mnt: CLONE_NEWNS };

    test('a namespace that cannot be opened: one line, 125, before anything ran', async () => {
      const missing = join(dir, 'no-such-namespace');
      const result = await runShim(
        plan([exec(['true'])], { enter: [{ op: 'setns', path: missing, nstype: CLONE_NEWNET }] }),
      );
      expect(result.stderr).toBe(
        `mydocker: entering the container, setns ${missing}: ENOENT (no such file or directory)\n`,
      );
      expect(result.exitCode).toBe(125);
    });

    test.runIf(isRoot)(
      "the shim joins ipc, uts, net and pid before clone, the child joins mnt last: all five are the target's",
      async () => {
        // The target: a shell in five new namespaces, with its own /proc and hostname.
        const target = execa(
          'unshare',
          [
            '--fork',
            '--kill-child',
            '--pid',
            '--mount-proc',
            '--uts',
            '--ipc',
            '--net',
            '--mount',
            'sh',
            '-c',
            'hostname enter-test; echo ready; exec sleep 30',
          ],
          { reject: false },
        );
        try {
          await new Promise<void>((resolve) => target.stdout?.once('data', () => resolve()));
          // unshare --fork: its child (the shell, now sleep) is PID 1 of the new namespace.
          const pid = Number(readFileSync(`/proc/${target.pid}/task/${target.pid}/children`, 'utf8').trim());
          const ns = (type: keyof typeof flags) => ({
            op: 'setns' as const,
            path: `/proc/${pid}/ns/${type}`,
            nstype: flags[type],
          });
          const result = await runShim(
            plan(
              [
                ns('mnt'),
                exec([
                  'sh',
                  '-c',
                  'echo $(hostname) $(cat /proc/1/comm); for n in ipc uts net pid mnt; do readlink /proc/self/ns/$n; done',
                ]),
              ],
              { enter: [ns('ipc'), ns('uts'), ns('net'), ns('pid')] },
            ),
          );
          expect(result.stderr).toBe('');
          const [first, ...inodes] = result.stdout.trim().split('\n');
          expect(first, 'hostname and PID 1 seen from inside').toBe('enter-test sleep');
          const expected = (['ipc', 'uts', 'net', 'pid', 'mnt'] as const).map((type) =>
            readlinkSync(`/proc/${pid}/ns/${type}`),
          );
          expect(inodes).toEqual(expected);
        } finally {
          target.kill('SIGKILL');
          await target;
        }
      },
    );
  });
});

// -d: the shim detaches (a supervisor stays as the container's parent) and logs docker's json-file
// lines; -t: the pty op gives the container a terminal of its own. No namespaces: no root needed.
describe('mydocker-shim, detached and with a terminal', () => {
  let dir = '';
  beforeAll(async () => {
    await buildShim();
    dir = mkdtempSync(join(tmpdir(), 'shim-detach-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A detached plan whose log is <dir>/<id>/<id>-json.log; `ended` writes the exit code beside it. */
  function detached(id: string, steps: Step[], more: Partial<Plan> = {}) {
    const state = join(dir, id);
    mkdirSync(state);
    const files = { log: join(state, `${id}-json.log`), pid: join(state, 'pid'), exit: join(state, 'exit') };
    const host: HostSteps = {
      created: [{ op: 'write', path: files.pid, content: '{pid}' }],
      ended: [{ op: 'write', path: files.exit, content: '{exit}' }],
      failed: [{ op: 'remove-tree', path: state }],
    };
    return { plan: plan(steps, { output: files.log as `/${string}`, host, ...more }), files, state };
  }

  async function ended(file: string): Promise<string> {
    for (let i = 0; i < 500 && !existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    return readFileSync(file, 'utf8');
  }

  const records = (log: string) =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { log: string; stream: string; time: string });

  test('prints the id and exits 0 while the container runs, as a child of the supervisor, not of the caller', async () => {
    const { plan: p, files } = detached('c1', [exec(['sh', '-c', 'echo out1; echo err1 >&2; echo out2; read _'])], {
      stdin: 'inherit',
    });
    const caller = runShim(p);
    const result = await caller;
    expect(result).toMatchObject({ exitCode: 0, stdout: 'c1\n', stderr: '' });
    const pid = Number(readFileSync(files.pid, 'utf8'));
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    expect(parent).not.toBe(caller.pid);
    expect(readFileSync(`/proc/${parent}/comm`, 'utf8')).toBe('mydocker-shim\n');
    // -di: its stdin is a pipe the supervisor holds open, so `read` waits instead of ending at EOF.
    for (let i = 0; i < 500 && records(files.log).length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(files.exit)).toBe(false);
    process.kill(pid, 'SIGKILL');
    expect(await ended(files.exit)).toBe('137');
    const lines = records(files.log);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.log)).toEqual(['out1\n', 'out2\n']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.log)).toEqual(['err1\n']);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['log', 'stream', 'time']);
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    }
  });

  describe('-di with an input socket (input-socket: docker attach through the daemon)', () => {
    const reader = 'while read line; do echo "got $line"; done; echo "its input ended"';
    /** A plan whose socket is beside its log, in a directory long enough for a path over sun_path's 108 bytes. */
    function withInput(id: string, once: boolean) {
      const made = detached(`${id}-${'x'.repeat(80)}`, [exec(['sh', '-c', reader])], { stdin: 'inherit' });
      const socket = join(made.state, 'input.sock');
      made.plan.host.created.push({ op: 'input-socket', path: socket, once });
      return { ...made, socket };
    }
    async function send(socket: string, text: string): Promise<void> {
      const connection = await connectInput(socket);
      connection.end(text);
      await once(connection, 'close');
    }
    async function logged(log: string, count: number): Promise<string[]> {
      for (let i = 0; i < 500 && records(log).length < count; i++) await new Promise((r) => setTimeout(r, 10));
      return records(log).map((line) => line.log);
    }

    test("every connection's bytes are its input, and its stdin stays open between them; the socket is root's, and goes at the end", async () => {
      const { plan: p, files, socket } = withInput('in1', false);
      expect(socket.length, 'the length of the socket path (sun_path holds 108)').toBeGreaterThan(108);
      expect((await runShim(p)).exitCode).toBe(0);
      const made = statSync(socket);
      expect([made.isSocket(), (made.mode & 0o777).toString(8)], 'the input socket: a socket, mode').toEqual([
        true,
        '600',
      ]);
      await send(socket, 'one\n');
      await send(socket, 'two\nthree\n');
      expect(await logged(files.log, 3), 'the output after two connections').toEqual([
        'got one\n',
        'got two\n',
        'got three\n',
      ]);
      expect(existsSync(files.exit), 'ended after the connections closed').toBe(false);
      process.kill(Number(readFileSync(files.pid, 'utf8')), 'SIGKILL');
      expect(await ended(files.exit)).toBe('137');
      expect(existsSync(socket), 'the socket after the end').toBe(false);
    });

    test("once (docker's StdinOnce): the first connection's end is the end of its input", async () => {
      const { plan: p, files, socket } = withInput('in2', true);
      expect((await runShim(p)).exitCode).toBe(0);
      await send(socket, 'only\n');
      expect(await ended(files.exit)).toBe('0');
      expect(records(files.log).map((line) => line.log)).toEqual(['got only\n', 'its input ended\n']);
    });

    test('a container without -i has no input to give: refused with one line, 125, and nothing left', async () => {
      const made = detached(`in3`, [exec(['true'])]);
      made.plan.host.created.push({ op: 'input-socket', path: join(made.state, 'input.sock'), once: false });
      const result = await runShim(made.plan);
      expect([result.exitCode, result.stderr]).toEqual([
        125,
        `mydocker: preparing the host, input-socket ${join(made.state, 'input.sock')}: EINVAL (invalid argument)\n`,
      ]);
      expect(existsSync(made.state)).toBe(false);
    });
  });

  test('json-file lines: escapes, a line cut at 16 KiB, the rest at the end of the stream', async () => {
    const script = String.raw`printf 'q"b\\t\tc\r\001\033 \303\251\n'; head -c 20000 /dev/zero | tr '\0' x; printf 'end'`;
    const { plan: p, files } = detached('c2', [exec(['sh', '-c', script])]);
    expect((await runShim(p)).exitCode).toBe(0);
    expect(await ended(files.exit)).toBe('0');
    const raw = readFileSync(files.log, 'utf8').split('\n');
    expect(raw[0]).toMatch(/^\{"log":"q\\"b\\\\t\\tc\\r\\u0001\\u001b é\\n","stream":"stdout","time":"[^"]+"\}$/);
    expect(records(files.log).map((l) => l.log)).toEqual([
      'q"b\\t\tc\r\u0001\u001b é\n',
      'x'.repeat(16384),
      `${'x'.repeat(20000 - 16384)}end`,
    ]);
  });

  test('a full disk drops the output, and the container is not held up by it', async () => {
    const { plan: p, files } = detached('c3', [exec(['sh', '-c', 'head -c 2000000 /dev/zero; echo done >&2'])]);
    const onFullDisk = { ...p, output: '/dev/full' as const };
    expect(await runShim(onFullDisk)).toMatchObject({ exitCode: 0, stdout: 'dev\n' });
    expect(await ended(files.exit)).toBe('0');
  });

  test.runIf(isRoot)('a disk that fills up mid-record: whole records only, never half a JSON line', async () => {
    const {
      plan: p,
      files,
      state,
    } = detached('c5', [
      exec([
        'sh',
        '-c',
        'i=0; while [ $i -lt 3000 ]; do echo "line $i with some padding to fill pages"; i=$((i+1)); done',
      ]),
    ]);
    const small = join(state, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', small]);
    try {
      const log = join(small, 'c5-json.log') as `/${string}`;
      expect(await runShim({ ...p, output: log })).toMatchObject({ exitCode: 0, stdout: 'small\n' });
      expect(await ended(files.exit)).toBe('0');
      const text = readFileSync(log, 'utf8');
      expect(text.length).toBeGreaterThan(20_000); // it did fill the disk
      expect(text.endsWith('\n')).toBe(true);
      const lines = records(log).map((record) => record.log);
      expect(lines.length).toBeLessThan(3000);
      expect(lines).toEqual(lines.map((_, i) => `line ${i} with some padding to fill pages\n`));
    } finally {
      execFileSync('umount', [small]);
    }
  });

  test("a failed start: docker's message and code from the caller, and nothing left", async () => {
    const { plan: p, state } = detached('c4', [exec(['no-such-program'])]);
    const result = await runShim(p);
    expect(result).toMatchObject({
      exitCode: 127,
      stdout: '',
      stderr: 'mydocker: exec: "no-such-program": executable file not found in $PATH\n',
    });
    expect(existsSync(state)).toBe(false);
  });

  test('-t: a terminal of its own on 0-2, its window size from the caller, and its output relayed', async () => {
    const pty: Step = { op: 'pty' };
    const result = await execa(
      'script',
      [
        '-qec',
        `stty rows 31 cols 97; ${shimBinary} ${planArguments(plan([pty, exec(['sh', '-c', 'tty; stty size; tty <&2'])]))
          .map((a) => `'${a}'`)
          .join(' ')}`,
        '/dev/null',
      ],
      { reject: false, stdin: 'pipe', timeout: 10_000 },
    );
    const [own, size, again] = result.stdout.replace(/\r/g, '').split('\n');
    expect(own).toMatch(/^\/dev\/pts\/\d+$/);
    expect(size).toBe('31 97');
    expect(again).toBe(own);
    expect(result.exitCode).toBe(0);
  });
  test("-t: a resize of the caller's terminal (SIGWINCH) reaches the container's terminal", async () => {
    const pty: Step = { op: 'pty' };
    const script = 'trap "stty size; exit 0" WINCH; echo ready; while :; do sleep 0.05; done';
    const shim = planArguments(plan([pty, exec(['sh', '-c', script])], { stdin: 'inherit' }))
      .map((arg) => `'${arg}'`)
      .join(' ');
    // The resize comes from a background job on the same terminal (its stdin is /dev/null: </dev/tty).
    const command = `stty rows 31 cols 97; (sleep 1; stty rows 44 cols 55 </dev/tty) & ${shimBinary} ${shim}`;
    const result = await execa('script', ['-qec', command, '/dev/null'], {
      reject: false,
      stdin: 'pipe',
      timeout: 10_000,
    });
    expect(result.stdout.replace(/\r/g, '').split('\n')).toEqual(['ready', '44 55']);
    expect(result.exitCode).toBe(0);
  }, 15_000);
  test("-it: the caller's terminal is raw while the container runs (keys pass one by one), and restored after", async () => {
    const pty: Step = { op: 'pty' };
    // The container's own terminal raw too, so that dd gets the three keys with no newline after them.
    const script = 'stty raw; echo ready; dd bs=1 count=3 2>/dev/null; stty sane; echo; echo done';
    const shim = planArguments(plan([pty, exec(['sh', '-c', script])], { stdin: 'inherit' }))
      .map((arg) => `'${arg}'`)
      .join(' ');
    const child = execa('script', ['-qec', `${shimBinary} ${shim}; stty -a | grep -o -- '-*icanon'`, '/dev/null'], {
      reject: false,
      stdin: 'pipe',
      timeout: 10_000,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready') && !output.includes('abc')) child.stdin?.write('abc');
    });
    const result = await child;
    const lines = result.stdout.replace(/\r/g, '').split('\n');
    expect(lines).toContain('done');
    expect(lines.at(-1)).toBe('icanon'); // canonical mode again: the caller's terminal was restored
    expect(result.exitCode).toBe(0);
  }, 15_000);
});
