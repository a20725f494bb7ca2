// Lab ch5-exec: `mydocker exec` joins a running container. Seen from the host, the command's process
// must have every namespace of the container's PID 1, its root and its cgroups; from inside, PID 1 is
// the container's command. The order of the joins is the lesson: the shim joins PID before it forks
// (setns(CLONE_NEWPID) moves only the children), the child joins the cgroups through host paths and
// then the mount namespace, last.
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { expect } from 'vitest';
import { describeRun, expectExitCode, expectOutput } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { holdExec } from '../../harness/exec-probe.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { CLONE_NEWNS, CLONE_NEWPID } from '../../../solutions/src/kernel/constants.ts';

type ExecPlanModule = typeof import('../../../solutions/src/container/exec-plan.ts');

const NAMESPACES = ['ipc', 'uts', 'net', 'pid', 'mnt'] as const;
const TARGET = {
  pid: 4242,
  cgroups: ['/sys/fs/cgroup/memory/mydocker/c/tasks', '/sys/fs/cgroup/pids/mydocker/c/tasks'],
  workingDir: '/srv',
  command: ['sh'],
  env: ['PATH=/bin'],
};

/** The calls of enterContainer on a recording shim (setns only) and on the FakeKernel of the child. */
async function recordedPlan(): Promise<{ shim: string[]; child: string[] }> {
  const { enterContainer } = await importTarget<ExecPlanModule>('container/exec-plan.ts');
  const shim: string[] = [];
  const child = new FakeKernel();
  enterContainer({ setns: (path, nstype) => void shim.push(`setns ${path} ${nstype}`) }, child, TARGET);
  return { shim, child: child.calls };
}

const joined = (calls: string[], type: string) =>
  calls.some((call) => call.startsWith(`setns /proc/${TARGET.pid}/ns/${type} `));

/** The namespace and root of a process, as the host sees them. */
function identity(pid: number): Record<string, string> {
  const root = statSync(`/proc/${pid}/root`);
  return {
    ...Object.fromEntries(NAMESPACES.map((type) => [type, readlinkSync(`/proc/${pid}/ns/${type}`)])),
    root: `device ${root.dev}, inode ${root.ino}`,
  };
}

/** The lines of /proc/<pid>/cgroup that name the container's own cgroups. */
function containerCgroupLines(pid: number, id: string): string[] {
  return readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .filter((line) => line.includes(id))
    .sort();
}

describeLab('ch5-exec', (check) => {
  check('the shim joins the PID namespace itself, before the fork; the child does not', { hint: 1 }, async () => {
    const { shim, child } = await recordedPlan();
    expect(
      joined(shim, 'pid') && shim.some((call) => call.endsWith(` ${CLONE_NEWPID}`)),
      `the shim's setns calls: ${JSON.stringify(shim)}: setns(CLONE_NEWPID) moves only the children made afterwards, so the shim must join it before it forks`,
    ).toBe(true);
    expect(
      joined(child, 'pid'),
      `the child's calls: ${JSON.stringify(child)}: its own PID namespace cannot change`,
    ).toBe(false);
  });

  check('every namespace of the container is joined once: ipc, uts, net, pid, mnt', { hint: 1 }, async () => {
    const { shim, child } = await recordedPlan();
    const all = [...shim, ...child];
    for (const type of NAMESPACES) {
      expect(
        all.filter((call) => call.startsWith(`setns /proc/${TARGET.pid}/ns/${type} `)).length,
        `setns of /proc/${TARGET.pid}/ns/${type} (shim: ${JSON.stringify(shim)}, child: ${JSON.stringify(child)})`,
      ).toBe(1);
    }
  });

  check('the child joins the cgroups, then the mount namespace', { hint: 2 }, async () => {
    const { shim, child } = await recordedPlan();
    const calls = `shim: ${JSON.stringify(shim)}, child: ${JSON.stringify(child)}`;
    expect(
      joined(shim, 'mnt'),
      `${calls}: once the shim is in the container's mount namespace, /proc/<pid> and the host's cgroup files are gone`,
    ).toBe(false);
    const mount = child.indexOf(`setns /proc/${TARGET.pid}/ns/mnt ${CLONE_NEWNS}`);
    expect(mount, `${calls}: the child's setns of the mount namespace`).toBeGreaterThanOrEqual(0);
    for (const file of TARGET.cgroups) {
      const join = child.indexOf(`join ${file}`);
      expect(join, `${calls}: the child joins ${file}`).toBeGreaterThanOrEqual(0);
      expect(
        join < mount,
        `${calls}: the cgroup files are host paths, so ${file} must be joined before the mount namespace`,
      ).toBe(true);
    }
  });

  check('the working directory is entered after the mount namespace, and exec comes last', { hint: 3 }, async () => {
    const { shim, child } = await recordedPlan();
    const calls = `shim: ${JSON.stringify(shim)}, child: ${JSON.stringify(child)}`;
    const mount = child.indexOf(`setns /proc/${TARGET.pid}/ns/mnt ${CLONE_NEWNS}`);
    const chdir = child.indexOf(`chdir ${TARGET.workingDir}`);
    expect(
      mount >= 0 && chdir > mount,
      `${calls}: the working directory ${TARGET.workingDir} is a path of the container's tree: chdir after the mount namespace`,
    ).toBe(true);
    expect(child.at(-1)?.startsWith('exec '), `${calls}: exec last`).toBe(true);
  });

  check(
    "the exec'd process has every namespace and the root of the container's PID 1",
    { hint: 1 },
    async ({ mydocker }) => {
      const container = await mydocker.hold([], 'true', 'busybox');
      try {
        const exec = await holdExec(mydocker, container);
        try {
          expect(
            identity(exec.pid),
            `/proc/<pid>/ns/* and /proc/<pid>/root of the exec'd process (${exec.pid}) against the container's PID 1 (${container.pid})`,
          ).toEqual(identity(container.pid));
        } finally {
          expectExitCode(await exec.release(), 0);
        }
      } finally {
        await container.release();
      }
    },
  );

  check(
    "exec -t: a terminal of the container's own devpts, with the caller's window size",
    { hint: 2 },
    async ({ mydocker }) => {
      const container = await mydocker.hold([], 'true', 'busybox');
      try {
        const result = await mydocker.runOnTerminal(
          [
            'exec',
            '-t',
            container.state.id,
            'sh',
            '-c',
            'echo "tty: $(tty)"; echo "size: $(stty size)"; stat -c "dev: %d" $(tty)',
          ],
          { rows: 33, cols: 97 },
        );
        const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(result.stdout)?.[1];
        expect(field('tty'), `${describeRun(result)}\n\`tty\` in the exec'd command`).toMatch(/^\/dev\/pts\/\d+$/);
        expect(field('size'), "`stty size` in the exec'd command (rows columns)").toBe('33 97');
        // The pty op opens /dev/ptmx where the child stands: in the container's mount namespace, the
        // container's own devpts; still in the host's, the host's.
        expect(
          field('dev'),
          "the devpts of exec's terminal against the container's (/proc/<pid>/root/dev/pts from the host)",
        ).toBe(String(statSync(`/proc/${container.pid}/root/dev/pts/ptmx`).dev));
        expectExitCode(result, 0);
      } finally {
        await container.release();
      }
    },
  );

  check("the exec'd process is in the container's cgroups", { hint: 2 }, async ({ mydocker }) => {
    const container = await mydocker.hold([], 'true', 'busybox');
    try {
      const expected = containerCgroupLines(container.pid, container.state.id);
      expect(expected.length, "the container's own cgroups in /proc/<pid>/cgroup").toBeGreaterThan(0);
      const exec = await holdExec(mydocker, container);
      try {
        expect(
          containerCgroupLines(exec.pid, container.state.id),
          `/proc/${exec.pid}/cgroup of the exec'd process: the container's cgroups`,
        ).toEqual(expected);
      } finally {
        expectExitCode(await exec.release(), 0);
      }
    } finally {
      await container.release();
    }
  });

  check(
    "inside, PID 1 is the container's command and the exec'd shell has a pid of that namespace",
    { hint: 1 },
    async ({ mydocker }) => {
      const container = await mydocker.hold([], 'true', 'busybox');
      try {
        const result = await mydocker.run([
          'exec',
          container.state.id,
          'sh',
          '-c',
          'tr "\\0" " " < /proc/1/cmdline; echo; readlink /proc/self',
        ]);
        expectExitCode(result, 0);
        const [cmdline, self] = result.stdout.split('\n');
        expect(cmdline, describeRun(result)).toBe('sh -c echo ready; read _; true ');
        // /proc inside is the container's: /proc/self resolves only for a process of its PID namespace.
        expect(
          Number(self),
          `${describeRun(result)}\n/proc/self inside: the shell's pid in the container's PID namespace`,
        ).toBeGreaterThan(1);
      } finally {
        await container.release();
      }
    },
  );

  check("-w sets the working directory; -e adds to the container's environment", { hint: 3 }, async ({ mydocker }) => {
    const container = await mydocker.hold(['-e', 'FROM_RUN=run'], 'true', 'busybox');
    try {
      const result = await mydocker.run([
        'exec',
        '-w',
        '/tmp',
        '-e',
        'FROM_EXEC=exec',
        container.state.id,
        'sh',
        '-c',
        'pwd; echo $FROM_RUN $FROM_EXEC',
      ]);
      expectOutput(result, '/tmp\nrun exec\n');
    } finally {
      await container.release();
    }
  });

  check(
    "the command's exit code passes through: its own, 127 not found, 126 not executable",
    { hint: 2 },
    async ({ mydocker }) => {
      const container = await mydocker.hold([], 'true', 'busybox');
      try {
        const id = container.state.id;
        expectExitCode(await mydocker.run(['exec', id, 'sh', '-c', 'exit 3']), 3);
        const missing = await mydocker.run(['exec', id, 'no-such-command']);
        expectExitCode(missing, 127);
        expect(missing.stderr, describeRun(missing)).toBe(
          'mydocker: exec: "no-such-command": executable file not found in $PATH\n',
        );
        expectExitCode(await mydocker.run(['exec', id, '/etc']), 126);
      } finally {
        await container.release();
      }
    },
  );

  check(
    'bad input: an unknown or exited container, no command: one line, exit 1, nothing changed',
    { hint: 1 },
    async ({ mydocker }) => {
      const exited = await mydocker.run(['run', '--name', 'ended', 'busybox', 'true']);
      expectExitCode(exited, 0);
      const before = mydocker.files();
      const cases: [string[], RegExp][] = [
        [['exec', 'no-such-container', 'true'], /^mydocker: .*no such container: no-such-container/i],
        [['exec', 'ended', 'true'], /^mydocker: container [0-9a-f]{64} is not running\n$/],
        [['exec', 'ended'], /^mydocker: "mydocker exec" requires at least 2 arguments/],
      ];
      for (const [args, message] of cases) {
        const result = await mydocker.run(args);
        expectExitCode(result, 1);
        expect(result.stderr, describeRun(result)).toMatch(message);
        expect(result.stderr.trim().split('\n'), `${describeRun(result)}\none line`).toHaveLength(1);
        expect(result.stdout, describeRun(result)).toBe('');
        expect(mydocker.files(), `${describeRun(result)}\nthe state directory changed`).toEqual(before);
      }
      expectExitCode(await mydocker.run(['rm', 'ended']), 0);
    },
  );
});
