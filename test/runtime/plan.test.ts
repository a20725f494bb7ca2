// The reference runtime's plan, checked without root through the fake kernel and the plan recorder.
import { describe, expect, test } from 'vitest';
import { FakeKernel } from '../../checker/harness/fake-kernel.ts';
import { buildPlan, setUpContainer } from '../../solutions/src/container/setup.ts';
import { containerEnv, DEFAULT_PATH } from '../../solutions/src/container/command.ts';
import { explainPlan } from '../../solutions/src/kernel/explain.ts';
import {
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWUTS,
  MS_PRIVATE,
  MS_REC,
} from '../../solutions/src/kernel/constants.ts';
import { sampleRootfs } from '../support/rootfs-spec.ts';

const spec = { hostname: 'box', command: ['sh', '-c', 'echo a   b'], env: ['PATH=/bin:/usr/bin'] };
const host = {
  created: [{ op: 'write' as const, path: '/state/pid', content: '{pid}\n' }],
  ended: [{ op: 'rmdir' as const, path: '/state' }],
  failed: [],
};

describe('the container set-up recipe', () => {
  test('runs private mounts, proc, hostname, exec in that order', () => {
    const kernel = new FakeKernel();
    setUpContainer(kernel, spec);
    expect(kernel.calls).toEqual([
      `mount NULL / NULL ${MS_REC | MS_PRIVATE}`,
      'mount proc /proc proc 14',
      'sethostname box',
      'exec ["sh","-c","echo a   b"] 1 env',
    ]);
    expect(kernel.reachedHost).toEqual([]);
  });

  test('with an image: overlay root, /etc files and volumes while host paths are reachable, then pivot_root, then the kernel filesystems', () => {
    const kernel = new FakeKernel();
    const rootfs = sampleRootfs('/work');
    setUpContainer(kernel, { ...spec, rootfs });
    const order = kernel.calls.map((call) => call.split(' ').slice(0, 3).join(' '));
    expect(order).toEqual([
      'mount NULL /',
      'chdir /state',
      'mount overlay /state/containers/c/rootfs',
      'mount /state/containers/c/hostname /state/containers/c/rootfs/etc/hostname',
      'mount /state/containers/c/hosts /state/containers/c/rootfs/etc/hosts',
      'mount /state/containers/c/resolv.conf /state/containers/c/rootfs/etc/resolv.conf',
      'mount /srv /state/containers/c/rootfs/data',
      'mount NULL /state/containers/c/rootfs/data',
      'mount /state/containers/c/rootfs /state/containers/c/rootfs',
      'mkdir /state/containers/c/rootfs/.pivot_root 0700',
      'pivot_root /state/containers/c/rootfs /state/containers/c/rootfs/.pivot_root',
      'chdir /',
      'umount2 /.pivot_root 2',
      'rmdir /.pivot_root',
      'mount proc /proc',
      'mount sysfs /sys',
      'mount tmpfs /dev',
      ...['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((name) => `mknod /dev/${name} 020666`),
      'mkdir /dev/pts 0755',
      'mount devpts /dev/pts',
      'mkdir /dev/shm 01777',
      'mount shm /dev/shm',
      'symlink /proc/self/fd /dev/fd',
      'symlink /proc/self/fd/0 /dev/stdin',
      'symlink /proc/self/fd/1 /dev/stdout',
      'symlink /proc/self/fd/2 /dev/stderr',
      'symlink pts/ptmx /dev/ptmx',
      'chdir /work',
      'sethostname box',
      'exec ["sh","-c","echo a',
    ]);
    expect(kernel.calls[2]).toBe(
      'mount overlay /state/containers/c/rootfs overlay 0 lowerdir=containers/c/init:layers/base,upperdir=containers/c/upper,workdir=containers/c/work',
    );
  });

  test('the plan recorder writes pivot_root down as a step', async () => {
    const { PlanKernel } = await import('../../solutions/src/kernel/plan.ts');
    const kernel = new PlanKernel();
    kernel.pivotRoot('/a', '/a/b');
    expect(kernel.steps).toEqual([{ op: 'pivot_root', newRoot: '/a', putOld: '/a/b' }]);
  });

  test('the fake kernel sees a proc mount reach the host when / stays shared', () => {
    const kernel = new FakeKernel();
    kernel.mount('proc', '/proc', 'proc', 0);
    expect(kernel.reachedHost).toEqual(['/proc']);
  });

  test('buildPlan clones into five namespaces and takes PATH from the command environment', () => {
    const plan = buildPlan(spec, { stdio: { stdin: 'null', output: 'inherit', terminal: false }, host });
    expect(plan.cloneFlags).toBe(CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET);
    expect(plan.steps.at(-1)).toEqual({ op: 'exec', argv: spec.command, env: spec.env, search: '/bin:/usr/bin' });
  });

  test('a terminal (-t) is opened after /dev and its devpts are mounted, before the hostname and exec', () => {
    const kernel = new FakeKernel();
    setUpContainer(kernel, { ...spec, rootfs: sampleRootfs('/work'), terminal: true });
    const devpts = kernel.calls.findIndex((call) => call.startsWith('mount devpts /dev/pts devpts'));
    expect(devpts).toBeGreaterThan(0);
    expect(kernel.calls.indexOf('pty')).toBeGreaterThan(devpts);
    expect(kernel.calls.slice(-3)).toEqual(['pty', 'sethostname box', 'exec ["sh","-c","echo a   b"] 1 env']);
    const host = new FakeKernel();
    setUpContainer(host, { ...spec, terminal: true });
    expect(host.calls.indexOf('pty')).toBe(host.calls.indexOf('sethostname box') - 1);
    expect(host.calls.indexOf('pty')).toBeGreaterThan(host.calls.indexOf(`mount NULL / NULL ${MS_REC | MS_PRIVATE}`));
  });

  test('stdin is /dev/null unless interactive', () => {
    expect(buildPlan(spec, { stdio: { stdin: 'null', output: 'inherit', terminal: false }, host }).stdin).toBe('null');
    expect(buildPlan(spec, { stdio: { stdin: 'inherit', output: 'inherit', terminal: false }, host }).stdin).toBe(
      'inherit',
    );
  });

  test('--explain names every step in syscall terms, host steps included', () => {
    expect(explainPlan(buildPlan(spec, { stdio: { stdin: 'null', output: 'inherit', terminal: false }, host }))).toBe(
      [
        'clone(CLONE_NEWUTS|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWIPC|CLONE_NEWNET)',
        'host, while the container waits at the barrier:',
        '   write /state/pid "{pid}\\n"',
        'container:',
        '   stdin from /dev/null (no -i)',
        ' 1. mount(NULL, "/", NULL, MS_REC|MS_PRIVATE)',
        ' 2. mount("proc", "/proc", "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC)',
        ' 3. sethostname("box")',
        ' 4. execve(["sh","-c","echo a   b"]) searching PATH=/bin:/usr/bin',
        'host, after it ended:',
        '   rmdir /state',
        'host, if it never started:',
        '',
      ].join('\n'),
    );
  });
});

describe('containerEnv', () => {
  test('has docker defaults, TERM only with a tty, and -e overrides', () => {
    expect(containerEnv({ hostname: 'h', tty: false, assignments: [] })).toEqual([
      `PATH=${DEFAULT_PATH}`,
      'HOSTNAME=h',
      'HOME=/root',
    ]);
    expect(containerEnv({ hostname: 'h', tty: true, assignments: ['HOME=/tmp', 'A=b=c'] })).toEqual([
      `PATH=${DEFAULT_PATH}`,
      'HOSTNAME=h',
      'HOME=/tmp',
      'TERM=xterm',
      'A=b=c',
    ]);
  });

  test('-e NAME copies the value from the environment, and skips it when unset', () => {
    process.env.MYDOCKER_TEST_VALUE = 'from host';
    const env: string[] = containerEnv({
      hostname: 'h',
      tty: false,
      assignments: ['MYDOCKER_TEST_VALUE', 'MYDOCKER_TEST_UNSET'],
    });
    expect(env).toContain('MYDOCKER_TEST_VALUE=from host');
    expect(env.some((entry) => entry.startsWith('MYDOCKER_TEST_UNSET'))).toBe(false);
    delete process.env.MYDOCKER_TEST_VALUE;
  });
});
