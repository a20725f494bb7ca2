// Lab ch7-capabilities: a container's root holds docker's fourteen capabilities, no more. Read from
// the host (/proc/<pid>/status of the container's PID 1 and of an exec'd process), changed by
// --cap-add, --cap-drop and --privileged as docker changes them, and proved by three escapes that a
// container with every capability of its caller makes, run with `--security-opt seccomp=unconfined`
// so that only this layer is tested, then with every default. Each escape is harmless when it
// succeeds (on the stub, where it must succeed: that is the lesson), and none changes the host:
// hostChanges() is empty after each.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { importEscapesImage } from '../../harness/escapes.ts';
import { holdExec } from '../../harness/exec-probe.ts';
import { hostChanges, snapshotHost } from '../../harness/host-unchanged.ts';
import type { Mydocker, RunResult } from '../../harness/mydocker.ts';
import {
  DOCKER_DEFAULT,
  bit,
  capabilitySets,
  describeSets,
  dockerSets,
  machineCapabilities,
  processPrivileges,
} from '../../harness/privileges.ts';
import { staticProgram } from '../../harness/programs.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { DEFAULT_SECURITY, type SecurityOptions } from '../../../solutions/src/security/options.ts';

type CapabilitiesModule = typeof import('../../../solutions/src/security/capabilities.ts');

/** Every capability of capabilities(7) known to a kernel with CAP_CHECKPOINT_RESTORE (40) last. */
const ALL_41 = (1n << 41n) - 1n;
const ENVIRONMENT = { kernel: ALL_41, available: ALL_41 };

async function setsFor(flags: Partial<SecurityOptions>) {
  const { capabilitySets: resolve } = await importTarget<CapabilitiesModule>('security/capabilities.ts');
  return resolve({ ...DEFAULT_SECURITY, ...flags }, ENVIRONMENT);
}

function expectSets(actual: unknown, mask: bigint, given: string): void {
  const expected = { bounding: mask, effective: mask, permitted: mask, inheritable: 0n, ambient: 0n };
  const shown = (sets: unknown) =>
    JSON.stringify(sets, (_, value: unknown) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value));
  expect(
    shown(actual),
    `capabilitySets with ${given}: got ${shown(actual)}, expected ${shown(expected)} (bounding, effective and permitted the same; inheritable and ambient empty, as docker gives them)`,
  ).toBe(shown(expected));
}

/** The image `escapes`, imported once per state root. */
const images = new WeakMap<Mydocker, Promise<string>>();
const escapes = (mydocker: Mydocker): Promise<string> => {
  if (!images.has(mydocker)) images.set(mydocker, importEscapesImage(mydocker));
  return images.get(mydocker)!;
};

/** Runs an escape of the image `escapes`, with the host snapshotted around it: nothing may change. */
async function runEscape(mydocker: Mydocker, flags: string[], argv: string[]): Promise<RunResult> {
  const image = await escapes(mydocker);
  const before = snapshotHost();
  const result = await mydocker.run(['run', '--rm', '--network', 'none', ...flags, image, ...argv]);
  expect(hostChanges(before, snapshotHost()), `${describeRun(result)}\nwhat the escape changed on the host`).toEqual(
    [],
  );
  return result;
}

const UNCONFINED = ['--security-opt', 'seccomp=unconfined'];
const LAYERS: Array<[string, string[]]> = [
  ['with seccomp unconfined (only the capabilities stop it)', UNCONFINED],
  ['with every default', []],
];

/** The escape failed with EPERM, and did not print what success prints. */
function expectRefused(result: RunResult, success: string, why: string): void {
  expect(result.stdout, `${describeRun(result)}\n${why}`).not.toContain(success);
  expect(result.exitCode, `${describeRun(result)}\nthe escape should fail`).not.toBe(0);
  expect(result.stdout, `${describeRun(result)}\nthe escape should fail with EPERM`).toContain('EPERM');
}

/**
 * A directory of the checker's on the host, with a marker file, on the filesystem of the state root
 * (where the container's /etc/hosts comes from), and its handle as name_to_handle_at(2) gives it,
 * read with the escape program itself compiled for the host (it only reads).
 */
function shockerTarget(stateRoot: string): { dir: string; token: string; handle: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-shocker-`));
  if (statSync(dir).dev !== statSync(stateRoot).dev) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `the checker's marker directory and the state root ${stateRoot} are on different filesystems: put TMPDIR on one`,
    );
  }
  const token = `outside-${process.pid}-${Date.now()}`;
  writeFileSync(join(dir, 'marker'), `${token}\n`);
  const program = join(dir, 'shocker');
  execFileSync('cp', [staticProgram('chapters/07-hardening/escapes/shocker.c'), program]);
  const handle = execFileSync(program, ['handle', dir], { encoding: 'utf8' }).trim();
  return { dir, token, handle, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describeLab('ch7-capabilities', (check) => {
  check(
    "capabilitySets gives docker's fourteen by default, in bounding, effective and permitted",
    { hint: 1 },
    async () => {
      expectSets(await setsFor({}), DOCKER_DEFAULT, 'no flags');
    },
  );

  check('--cap-add and --cap-drop take names in any case, with or without CAP_', { hint: 2 }, async () => {
    expectSets(await setsFor({ capAdd: ['net_admin'] }), DOCKER_DEFAULT | bit('NET_ADMIN'), '--cap-add net_admin');
    expectSets(await setsFor({ capDrop: ['CAP_CHOWN'] }), DOCKER_DEFAULT & ~bit('CHOWN'), '--cap-drop CAP_CHOWN');
    expectSets(
      await setsFor({ capAdd: ['Cap_Sys_Time'], capDrop: ['kill', 'MKNOD'] }),
      (DOCKER_DEFAULT | bit('SYS_TIME')) & ~bit('KILL') & ~bit('MKNOD'),
      '--cap-add Cap_Sys_Time --cap-drop kill --cap-drop MKNOD',
    );
  });

  check("ALL and --privileged, by docker's rules (moby's TweakCapabilities)", { hint: 2 }, async () => {
    expectSets(await setsFor({ capDrop: ['ALL'] }), 0n, '--cap-drop ALL');
    expectSets(await setsFor({ capDrop: ['all'], capAdd: ['chown'] }), bit('CHOWN'), '--cap-drop all --cap-add chown');
    expectSets(
      await setsFor({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] }),
      ALL_41 & ~bit('SYS_ADMIN'),
      '--cap-add ALL --cap-drop SYS_ADMIN',
    );
    expectSets(await setsFor({ privileged: true }), ALL_41, '--privileged');
    // docker drops first, then adds: a name in both is added.
    expectSets(
      await setsFor({ capAdd: ['NET_ADMIN'], capDrop: ['NET_ADMIN'] }),
      DOCKER_DEFAULT | bit('NET_ADMIN'),
      '--cap-add NET_ADMIN --cap-drop NET_ADMIN (docker applies the drops first)',
    );
  });

  check(
    "a running container's PID 1 holds docker's default sets, read from the host",
    { hint: 3 },
    async ({ mydocker }) => {
      const container = await mydocker.hold(['--network', 'none'], 'true', 'busybox');
      const sets = capabilitySets(processPrivileges(container.pid));
      await container.release();
      expect(
        describeSets(sets),
        `/proc/${container.pid}/status of the container's PID 1 (${container.command}), against docker's default`,
      ).toBe(describeSets(dockerSets(DOCKER_DEFAULT)));
    },
  );

  check('--cap-add, --cap-drop and --privileged change what the container holds', { hint: 2 }, async ({ mydocker }) => {
    const cases: Array<[string[], bigint]> = [
      [['--cap-add', 'NET_ADMIN'], DOCKER_DEFAULT | bit('NET_ADMIN')],
      [['--cap-drop', 'CHOWN'], DOCKER_DEFAULT & ~bit('CHOWN')],
      [['--cap-drop', 'ALL'], 0n],
      [['--privileged'], machineCapabilities()],
    ];
    for (const [flags, mask] of cases) {
      const container = await mydocker.hold(['--network', 'none', ...flags], 'true', 'busybox');
      const sets = capabilitySets(processPrivileges(container.pid));
      await container.release();
      expect(describeSets(sets), `/proc/${container.pid}/status of ${container.command}`).toBe(
        describeSets(dockerSets(mask)),
      );
    }
  });

  check("an exec'd process holds what the container's PID 1 holds, no more", { hint: 3 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['--network', 'none', '--cap-add', 'NET_ADMIN'], 'true', 'busybox');
    try {
      const exec = await holdExec(mydocker, container);
      const sets = capabilitySets(processPrivileges(exec.pid));
      await exec.release();
      expect(
        describeSets(sets),
        `/proc/${exec.pid}/status of a process of \`mydocker exec\` in ${container.command}: it must get the container's capabilities again (commands/exec.ts)`,
      ).toBe(describeSets(dockerSets(DOCKER_DEFAULT | bit('NET_ADMIN'))));
    } finally {
      await container.release();
    }
  });

  check(
    'an unknown capability is refused with one line and exit code 125, and nothing is left',
    { hint: 2 },
    async ({ mydocker }) => {
      for (const flag of ['--cap-add', '--cap-drop']) {
        const before = mydocker.files();
        const result = await mydocker.run(['run', '--rm', '--network', 'none', flag, 'cap_foo', 'busybox', 'true']);
        expectExitCode(result, 125);
        expect(result.stderr, describeRun(result)).toBe(
          `mydocker: unknown capability "CAP_FOO" in ${flag} (see capabilities(7), or 'mydocker run --help')\n`,
        );
        expect(mydocker.files(), `${describeRun(result)}\nthe state root, before and after`).toEqual(before);
      }
    },
  );

  check(
    'the set-up still works without its capabilities: they go after the last mount',
    { hint: 3 },
    async ({ mydocker }) => {
      const result = await mydocker.run(['run', '--rm', '--network', 'none', 'busybox', 'true']);
      const refusedMount = /step \d+, (mount|pivot_root|umount2|mknod|sethostname) [^:]*: EPERM/.exec(result.stderr);
      expect(
        result.exitCode,
        refusedMount
          ? `${describeRun(result)}\ncapabilities were dropped before ${refusedMount[1]}(2) ran: CAP_SYS_ADMIN was gone, so the kernel refused it with EPERM. The capabilities go after every mount, just before exec (container/setup.ts, lab ch7-privileges)`
          : describeRun(result),
      ).toBe(0);
    },
  );

  for (const [layers, flags] of LAYERS) {
    check(
      `Shocker: open_by_handle_at through /etc/hosts reads nothing of the host, ${layers}`,
      { hint: 3 },
      async ({ mydocker }) => {
        const target = shockerTarget(mydocker.stateRoot);
        try {
          const result = await runEscape(mydocker, flags, [
            '/escape/shocker',
            'read',
            '/etc/hosts',
            target.handle,
            'marker',
          ]);
          expectRefused(
            result,
            target.token,
            `the container read ${target.dir}/marker on the host, by its handle, through its /etc/hosts (a bind of a file in the state root): ` +
              'open_by_handle_at needs CAP_DAC_READ_SEARCH, which docker leaves out (Shocker, 2014)',
          );
          expect(readFileSync(join(target.dir, 'marker'), 'utf8'), 'the marker, after the escape').toBe(
            `${target.token}\n`,
          );
        } finally {
          target.remove();
        }
      },
    );

    check(`clock_settime of the host's clock is refused, ${layers}`, { hint: 3 }, async ({ mydocker }) => {
      const result = await runEscape(mydocker, flags, ['/escape/settime']);
      expectRefused(
        result,
        "set the host's clock",
        "the container set the host's clock (to the time it had just read, so it moved by microseconds only): " +
          'clock_settime and settimeofday need CAP_SYS_TIME, which docker leaves out',
      );
    });

    // The cgroup v1 release_agent escape (CVE-2022-0492) needs a mount of a cgroup hierarchy first: on
    // v1 the hierarchies are the host's (a hierarchy mounted with the host's controllers is the same
    // superblock, its release_agent the host's), so the program proves only that step, the mount, in a
    // named hierarchy of its own (or cgroup2 where there is no v1), unmounts it, and NEVER writes
    // release_agent, whatever the runtime under test.
    check(
      `a cgroup hierarchy cannot be mounted (the release_agent escape's first step), ${layers}`,
      { hint: 3 },
      async ({ mydocker }) => {
        const result = await runEscape(mydocker, flags, [
          '/escape/cgroup-mount',
          '/tmp/cgroup',
          `mydocker-check-${process.pid}`,
        ]);
        expectRefused(
          result,
          'mounted',
          'the container mounted a cgroup hierarchy: with a v1 one it could set release_agent, a program the kernel runs as root on the host (CVE-2022-0492). ' +
            'mount(2) needs CAP_SYS_ADMIN, which docker leaves out',
        );
      },
    );
  }
});
