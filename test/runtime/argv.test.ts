// The plan as the shim's argv: the format native/shim.c parses.
import { describe, expect, test } from 'vitest';
import { planArguments, planEnvironment } from '../../solutions/src/shim/argv.ts';
import { describeStep } from '../../solutions/src/kernel/explain.ts';
import type { Step } from '../../solutions/src/kernel/plan.ts';

describe('planArguments', () => {
  test('version, flags, stdin, output, then five sections of name, count, and ops of name, count, arguments', () => {
    const args = planArguments({
      namespaces: ['uts'],
      cloneFlags: 0x04000000,
      stdin: 'null',
      steps: [
        { op: 'sethostname', name: 'box' },
        { op: 'exec', argv: ['sh', '-c', 'echo "a b"'], env: ['PATH=/bin'], search: '/bin' },
      ],
      host: {
        created: [{ op: 'write', path: '/s/pid', content: '{pid}\n' }],
        ended: [
          { op: 'unlink', path: '/s/pid' },
          { op: 'rmdir', path: '/s' },
        ],
        failed: [],
      },
    });
    expect(args).toEqual([
      '2',
      '67108864',
      'null',
      'inherit',
      'enter',
      '0',
      'container',
      '2',
      'sethostname',
      '1',
      'box',
      'exec',
      '5',
      '/bin',
      '3',
      'sh',
      '-c',
      'echo "a b"',
      'created',
      '1',
      'write',
      '2',
      '/s/pid',
      '{pid}\n',
      'ended',
      '2',
      'unlink',
      '1',
      '/s/pid',
      'rmdir',
      '1',
      '/s',
      'failed',
      '0',
    ]);
  });

  test('detached: OUTPUT is the log path; a terminal is the pty op, with no arguments', () => {
    const args = planArguments({
      namespaces: [],
      cloneFlags: 0,
      stdin: 'inherit',
      output: '/s/c/c-json.log',
      steps: [{ op: 'pty' }, { op: 'exec', argv: ['sh'], env: [], search: '' }],
      host: { created: [], ended: [], failed: [] },
    });
    expect(args.slice(0, 11)).toEqual([
      '2',
      '0',
      'inherit',
      '/s/c/c-json.log',
      'enter',
      '0',
      'container',
      '2',
      'pty',
      '0',
      'exec',
    ]);
  });

  test("the environment is not in argv (anyone can read /proc/<pid>/cmdline) but the shim's own", () => {
    const plan = {
      namespaces: [],
      cloneFlags: 0,
      stdin: 'null' as const,
      steps: [{ op: 'exec' as const, argv: ['env'], env: ['PATH=/bin', 'PASSWORD=a=b c'], search: '/bin' }],
      host: { created: [], ended: [], failed: [] },
    };
    expect(planArguments(plan).join(' ')).not.toContain('PASSWORD');
    expect(planEnvironment(plan)).toEqual({ PATH: '/bin', PASSWORD: 'a=b c' });
  });

  test('empty arguments stay as empty strings (the kernel gets NULL)', () => {
    const args = planArguments({
      namespaces: [],
      cloneFlags: 0,
      stdin: 'inherit',
      steps: [{ op: 'mount', source: '', target: '/', fstype: '', flags: 0x44000, data: '' }],
      host: { created: [], ended: [], failed: [] },
    });
    expect(args.slice(4, 15)).toEqual(['enter', '0', 'container', '1', 'mount', '5', '', '/', '', String(0x44000), '']);
  });

  test('the root filesystem ops: modes in octal, numbers in decimal, in the order the shim reads them', () => {
    const steps: Step[] = [
      { op: 'pivot_root', newRoot: '/r', putOld: '/r/.old' },
      { op: 'chroot', path: '/r' },
      { op: 'chdir', path: '/' },
      { op: 'umount2', target: '/.old', flags: 2 },
      { op: 'mkdir', path: '/dev/shm', mode: 0o1777 },
      { op: 'rmdir', path: '/.old' },
      { op: 'mknod', path: '/dev/null', mode: 0o020666, major: 1, minor: 3 },
      { op: 'symlink', target: 'pts/ptmx', path: '/dev/ptmx' },
    ];
    const args = planArguments({
      namespaces: ['mnt'],
      cloneFlags: 0x20000,
      stdin: 'null',
      steps,
      host: { created: [], ended: [{ op: 'remove-tree', path: '/s/c' }], failed: [] },
    });
    expect(args).toEqual([
      '2',
      String(0x20000),
      'null',
      'inherit',
      'enter',
      '0',
      'container',
      '8',
      'pivot_root',
      '2',
      '/r',
      '/r/.old',
      'chroot',
      '1',
      '/r',
      'chdir',
      '1',
      '/',
      'umount2',
      '2',
      '/.old',
      '2',
      'mkdir',
      '2',
      '/dev/shm',
      '1777',
      'rmdir',
      '1',
      '/.old',
      'mknod',
      '4',
      '/dev/null',
      '20666',
      '1',
      '3',
      'symlink',
      '2',
      'pts/ptmx',
      '/dev/ptmx',
      'created',
      '0',
      'ended',
      '1',
      'remove-tree',
      '1',
      '/s/c',
      'failed',
      '0',
    ]);
    expect(steps.map(describeStep)).toEqual([
      'pivot_root("/r", "/r/.old")',
      'chroot("/r")',
      'chdir("/")',
      'umount2("/.old", MNT_DETACH)',
      'mkdir("/dev/shm", 01777)',
      'rmdir("/.old")',
      'mknod("/dev/null", S_IFCHR|0666, makedev(1, 3))',
      'symlink("pts/ptmx", "/dev/ptmx")',
    ]);
  });
});

describe('the enter section (mydocker exec)', () => {
  test('comes before container: setns ops with their path and CLONE_NEW* type; explained by its table', () => {
    const args = planArguments({
      namespaces: [],
      cloneFlags: 0,
      stdin: 'null',
      enter: [{ op: 'setns', path: '/proc/7/ns/pid', nstype: 0x20000000 }],
      steps: [{ op: 'exec', argv: ['true'], env: [], search: '' }],
      host: { created: [], ended: [], failed: [] },
    });
    expect(args.slice(3, 12)).toEqual([
      'inherit',
      'enter',
      '1',
      'setns',
      '2',
      '/proc/7/ns/pid',
      String(0x20000000),
      'container',
      '1',
    ]);
    expect(describeStep({ op: 'setns', path: '/proc/7/ns/mnt', nstype: 0x20000 })).toBe(
      'setns(open("/proc/7/ns/mnt"), CLONE_NEWNS)',
    );
  });
});
