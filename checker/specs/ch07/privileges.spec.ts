// Lab ch7-privileges: the container's last steps before exec, in the order the kernel accepts them.
// no_new_privs (on by default here), the seccomp filter and the capabilities: recorded on the fake
// kernel for their order (seccomp(2) refuses a filter without no_new_privs unless CAP_SYS_ADMIN is
// still held), in setUpContainer after every mount (mount(2) needs CAP_SYS_ADMIN), and read from the
// host on a running container and on an exec'd process (/proc/<pid>/status).
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { holdExec } from '../../harness/exec-probe.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { capabilitySets, describeSets, processPrivileges } from '../../harness/privileges.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import type { ContainerSecurity } from '../../../solutions/src/security/resolve.ts';

type PrivilegesModule = typeof import('../../../solutions/src/security/privileges.ts');
type SetupModule = typeof import('../../../solutions/src/container/setup.ts');

/** Docker's fourteen (0xa80425fb) and a filter of two instructions: what the steps are given. */
const SETS = { bounding: 0xa80425fbn, effective: 0xa80425fbn, permitted: 0xa80425fbn, inheritable: 0n, ambient: 0n };
const FILTER = { program: new Uint8Array(16) };

function security(noNewPrivileges: boolean): ContainerSecurity {
  return {
    capabilities: SETS,
    noNewPrivileges,
    seccomp: FILTER,
    kernelPaths: { masked: [], readonly: [] },
    devices: { nodes: [], allow: undefined },
    cgroupNamespace: false,
    users: undefined,
  };
}

/** The ops dropPrivileges records, by name: `no-new-privs`, `seccomp`, `capabilities`. */
async function lastSteps(noNewPrivileges: boolean): Promise<string[]> {
  const { dropPrivileges } = await importTarget<PrivilegesModule>('security/privileges.ts');
  const kernel = new FakeKernel();
  dropPrivileges(kernel, security(noNewPrivileges));
  return kernel.calls.map((call) => call.split(' ')[0]!);
}

/** The steps of a busybox container's set-up on the fake kernel, by op name. */
async function setUpSteps(): Promise<string[]> {
  const { setUpContainer } = await importTarget<SetupModule>('container/setup.ts');
  const kernel = new FakeKernel();
  setUpContainer(kernel, {
    hostname: 'c0ffee',
    command: ['sh'],
    env: ['PATH=/bin'],
    rootfs: {
      storeRoot: '/var/lib/mydocker',
      layers: { lower: ['layers/a'], upper: 'containers/c/upper', work: 'containers/c/work' },
      target: '/var/lib/mydocker/containers/c/rootfs',
      etcFiles: {
        hostname: 'containers/c/hostname',
        hosts: 'containers/c/hosts',
        resolvConf: 'containers/c/resolv.conf',
      },
      volumes: [],
      workingDir: '/',
    },
    network: {},
    security: security(true),
  });
  return kernel.calls.map((call) => call.split(' ')[0]!);
}

/** The steps that need CAP_SYS_ADMIN (mount(2), pivot_root(2), umount2(2), sethostname(2)) or CAP_MKNOD. */
const PRIVILEGED_STEPS = new Set(['mount', 'pivot_root', 'umount2', 'sethostname', 'mknod', 'chroot']);

describeLab('ch7-privileges', (check) => {
  check('with no_new_privs: no_new_privs, then the capabilities, then the filter, last', { hint: 2 }, async () => {
    const steps = await lastSteps(true);
    expect(
      steps,
      'dropPrivileges with no_new_privs on, capabilities and a filter: no_new_privs first (it needs no privilege, and it ' +
        'lets the filter load without CAP_SYS_ADMIN), the filter as late as possible, just before execve (runc does the same)',
    ).toEqual(['no-new-privs', 'capabilities', 'seccomp']);
  });

  check(
    'without no_new_privs: the filter while CAP_SYS_ADMIN is held, then the capabilities',
    { hint: 3 },
    async () => {
      const steps = await lastSteps(false);
      expect(
        steps,
        'dropPrivileges with no_new_privs off: seccomp(2) loads a filter only with no_new_privs or CAP_SYS_ADMIN (EACCES ' +
          'otherwise), so the filter must come before the capabilities take CAP_SYS_ADMIN away; and no no_new_privs',
      ).toEqual(['seccomp', 'capabilities']);
    },
  );

  check('the last steps come after every mount, just before exec', { hint: 1 }, async () => {
    const steps = await setUpSteps();
    const capabilities = steps.indexOf('capabilities');
    const where = `setUpContainer's steps on the fake kernel: ${JSON.stringify(steps)}`;
    expect(capabilities, `${where}: no capabilities step`).toBeGreaterThanOrEqual(0);
    const refused = steps.slice(capabilities).find((op) => PRIVILEGED_STEPS.has(op));
    expect(
      refused,
      `${where}: capabilities were dropped before ${refused}(2) ran: CAP_SYS_ADMIN was gone, and the kernel ` +
        'refuses it with EPERM. Drop them after the mounts, before exec',
    ).toBeUndefined();
    expect(steps.at(-1), `${where}: exec must stay the last step`).toBe('exec');
    expect(steps.slice(-4), `${where}: the last steps, then exec`).toEqual([
      'no-new-privs',
      'capabilities',
      'seccomp',
      'exec',
    ]);
  });

  check('a running container has no_new_privs set, read from the host', { hint: 1 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--network', 'none'], 'true', 'busybox');
    const privileges = processPrivileges(container.pid);
    await container.release();
    expect(
      privileges.NoNewPrivs,
      `NoNewPrivs in /proc/${container.pid}/status of ${container.command}: on by default (prctl(PR_SET_NO_NEW_PRIVS, 1))`,
    ).toBe(1);
  });

  check('--security-opt no-new-privileges=false and --privileged leave it off', { hint: 1 }, async ({ mydocker }) => {
    for (const flags of [['--security-opt', 'no-new-privileges=false'], ['--privileged']]) {
      const container = await mydocker.hold(['--network', 'none', ...flags], 'true', 'busybox');
      const privileges = processPrivileges(container.pid);
      await container.release();
      expect(privileges.NoNewPrivs, `NoNewPrivs in /proc/${container.pid}/status of ${container.command}`).toBe(0);
    }
  });

  check("an exec'd process has no_new_privs and the capabilities of PID 1", { hint: 1 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--network', 'none', '--cap-drop', 'CHOWN'], 'true', 'busybox');
    try {
      const first = processPrivileges(container.pid);
      const exec = await holdExec(mydocker, container);
      const execed = processPrivileges(exec.pid);
      await exec.release();
      const about = `/proc/${exec.pid}/status of a process of \`mydocker exec\` in ${container.command}, against its PID 1's`;
      expect(execed.NoNewPrivs, `${about}: NoNewPrivs`).toBe(first.NoNewPrivs);
      expect(describeSets(capabilitySets(execed)), about).toBe(describeSets(capabilitySets(first)));
    } finally {
      await container.release();
    }
  });

  check('a container starts with its last steps, with no_new_privs on and off', { hint: 3 }, async ({ mydocker }) => {
    for (const flags of [[], ['--security-opt', 'no-new-privileges=false']]) {
      const result = await mydocker.run(['run', '--rm', '--network', 'none', ...flags, 'busybox', 'true']);
      const refused = /step \d+, (\S+)[^:]*: (EPERM|EACCES)/.exec(result.stderr);
      if (refused && PRIVILEGED_STEPS.has(refused[1]!)) {
        expect.fail(
          `${describeRun(result)}\ncapabilities were dropped before ${refused[1]}(2) ran: CAP_SYS_ADMIN was gone, so the kernel refused it`,
        );
      }
      if (refused && refused[1] === 'seccomp') {
        expect.fail(
          `${describeRun(result)}\nthe filter was loaded after the capabilities were dropped, without no_new_privs: seccomp(2) then needs CAP_SYS_ADMIN`,
        );
      }
      expectExitCode(result, 0);
    }
  });
});
