// Lab ch7-cgroupns: a cgroup namespace of the container's own, made after it joined its cgroups, so
// that its cgroup is the root of every hierarchy it sees, and a cgroupfs it mounts shows nothing
// above it. Then the two facts of chapter 7's "runtime binary" that no lab owns (the shim's, in
// native/shim.c): the container never runs, and can never open for writing, the host's file of the
// runtime (CVE-2019-5736: the shim runs from a sealed memfd copy of itself), and neither its PID 1
// nor an exec'd process holds a descriptor of the host beyond 0-2. They pass on the stub too.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { importEscapesImage } from '../../harness/escapes.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import { hostChanges, snapshotHost } from '../../harness/host-unchanged.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget, PROJECT_ROOT } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type CgroupnsModule = typeof import('../../../solutions/src/security/cgroupns.ts');

const CLONE_NEWCGROUP = 0x02000000;
/** F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE (linux/fcntl.h): the shim's seals. */
const SEALS = 0x1 | 0x2 | 0x4 | 0x8;
/** The runtime's binary on the host, as the launcher builds it (bin/mydocker.cjs). */
const SHIM = process.env.MYDOCKER_SHIM ?? join(PROJECT_ROOT, '.lab', 'build', 'mydocker-shim');

/** The checker's own cgroup namespace: the lab host does not make one, so it is the host's. */
const hostCgroupNamespace = (): string => readlinkSync('/proc/self/ns/cgroup');

/** `N:controllers:path` lines of /proc/<pid>/cgroup, as { hierarchy, path }. */
function cgroupLines(text: string): { hierarchy: string; path: string }[] {
  return text
    .split('\n')
    .filter((line) => /^\d+:/.test(line))
    .map((line) => {
      const [number, controllers, ...path] = line.split(':');
      return { hierarchy: `${number}:${controllers}`, path: path.join(':') };
    });
}

/**
 * What a container shows of its own cgroups that is not "/", said for a learner. `ownNamespace`: its
 * cgroup namespace is not the host's, so a path other than "/" means the namespace is rooted at
 * another cgroup than its own (the shim's: made before the joins, or at clone).
 */
function notRoot(text: string, ownNamespace: boolean): string[] {
  return cgroupLines(text)
    .filter((line) => line.path !== '/')
    .map(
      (line) =>
        `${line.hierarchy} shows ${line.path}` +
        (ownNamespace
          ? ": its cgroup namespace is rooted at another cgroup than the container's own, the one it was in when the namespace was made (the shim's): made before the container joined its cgroups, or at clone (hint 2)"
          : ": the host's path, so there is no cgroup namespace of its own (hint 1)"),
    );
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** A directory the check owns, for an escape's markers (mounted as /marker). */
function markerDir(what: string): string {
  return mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-${what}-`));
}

const escapesImages = new WeakMap<Mydocker, Promise<string>>();
/** The image `escapes`, imported once per spec's runtime. */
function escapes(mydocker: Mydocker): Promise<string> {
  let image = escapesImages.get(mydocker);
  if (!image) escapesImages.set(mydocker, (image = importEscapesImage(mydocker)));
  return image;
}

/** `run -d --name NAME busybox sleep 120`, and its PID 1 as the host numbers it. */
async function detach(mydocker: Mydocker, name: string): Promise<{ id: string; pid: number }> {
  const result = await mydocker.run(['run', '-d', '--network', 'none', '--name', name, 'busybox', 'sleep', '120']);
  expectExitCode(result, 0);
  const state = mydocker.states().find((candidate) => candidate.name === name);
  if (state?.status !== 'running' || state.pid === undefined)
    throw new Error(`${describeRun(result)}\n${name} is not running`);
  return { id: state.id, pid: state.pid };
}

/** The descriptors a process holds, as the host sees them: `3 -> /path` for each. */
function descriptors(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return `${fd} -> ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`;
    } catch {
      return `${fd} -> (gone)`;
    }
  });
}

/** The processes of the PID namespace `pidNamespace` (host pids), but `except`. */
function processesIn(pidNamespace: string, except: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== except)
    .map(Number)
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/pid`) === pidNamespace;
      } catch {
        return false;
      }
    });
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = scaled(10_000)): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeLab('ch7-cgroupns', (check) => {
  check('enterCgroupNamespace unshares CLONE_NEWCGROUP when enabled, and nothing when not', { hint: 1 }, async () => {
    const { enterCgroupNamespace } = await importTarget<CgroupnsModule>('security/cgroupns.ts');
    const kernel = new FakeKernel();
    enterCgroupNamespace(kernel, true);
    expect(
      kernel.calls,
      `the steps recorded for a cgroup namespace: one unshare(CLONE_NEWCGROUP = ${CLONE_NEWCGROUP}), no clone flag (hint 1)`,
    ).toEqual([`unshare ${CLONE_NEWCGROUP}`]);
    const off = new FakeKernel();
    enterCgroupNamespace(off, false);
    expect(off.calls, 'the steps recorded when the container gets no cgroup namespace').toEqual([]);
  });

  check(
    'a cgroup namespace of its own, rooted at its own cgroup: inside, every hierarchy shows /; the host still sees it in its cgroups',
    { hint: 2 },
    async ({ mydocker }) => {
      const container = await mydocker.hold(['--rm', '--network', 'none'], 'cat /proc/self/cgroup', 'busybox');
      const seen = (() => {
        try {
          return {
            namespace: readlinkSync(`/proc/${container.pid}/ns/cgroup`),
            fromHost: readFileSync(`/proc/${container.pid}/cgroup`, 'utf8'),
          };
        } catch (error) {
          return { namespace: String(error), fromHost: String(error) };
        }
      })();
      const result = await container.release();
      const { namespace, fromHost } = seen;
      expectExitCode(result, 0);
      expect(
        namespace,
        `/proc/${container.pid}/ns/cgroup of the container's PID 1, against the host's: no cgroup namespace of its own (hint 1)`,
      ).not.toBe(hostCgroupNamespace());
      expect(
        notRoot(result.stdout, namespace !== hostCgroupNamespace()),
        `${describeRun(result)}\n/proc/self/cgroup inside:\n${result.stdout}`,
      ).toEqual([]);
      // The namespace changes how the paths are shown, never where the process is.
      const id = container.state.id;
      expect(
        cgroupLines(fromHost).some((line) => line.path.endsWith(`/${id}`)),
        `/proc/${container.pid}/cgroup read from the host: the container must still be in its own cgroup (${id.slice(0, 12)}...)\n${fromHost}`,
      ).toBe(true);
    },
  );

  check(
    "--cgroupns host: no namespace of its own, the host's paths (docker's flag)",
    { hint: 1 },
    async ({ mydocker }) => {
      const container = await mydocker.hold(['--rm', '--network', 'none', '--cgroupns', 'host'], 'true', 'busybox');
      try {
        expect(
          readlinkSync(`/proc/${container.pid}/ns/cgroup`),
          `the cgroup namespace of \`${container.command}\``,
        ).toBe(hostCgroupNamespace());
      } finally {
        await container.release();
      }
    },
  );

  check(
    'a container that may mount (--privileged) sees no cgroup above its own: the root cgroup is out of its reach',
    { hint: 2, timeout: 60_000 },
    async ({ mydocker }) => {
      const image = await escapes(mydocker);
      const dir = markerDir('cgroup-root');
      const before = snapshotHost();
      try {
        // --privileged: the capabilities and the seccomp filter, which would refuse the mount
        // itself, are off; the cgroup namespace is the one layer left (docker keeps it too).
        const result = await mydocker.run([
          'run',
          '--rm',
          '--network',
          'none',
          '--privileged',
          '-v',
          `${dir}:/marker`,
          image,
          '/escape/cgroup-root',
          '/marker',
        ]);
        expectExitCode(result, 0);
        const own = /^own: (.*)$/m.exec(result.stdout)?.[1] ?? '';
        expect(
          readdirSync(dir),
          `${describeRun(result)}\n${result.stdout}the container mounted a cgroup hierarchy and found its own cgroup (${own}) below the root it mounted: ` +
            "it could write its pid into that root's cgroup.procs, where -m and --pids-limit no longer apply " +
            (own.startsWith('/..')
              ? "(its namespace is rooted at the shim's cgroup: made before the container joined its own; hint 2)"
              : '(no cgroup namespace of its own; hint 1)'),
        ).toEqual([]);
        expect(result.stdout, `${describeRun(result)}\nthe escape's report`).toMatch(/^own: \/\n/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(hostChanges(before, snapshotHost()), 'what the escape changed on the host').toEqual([]);
    },
  );

  check(
    'with the default hardening the same container cannot reach a cgroup above its own either',
    { hint: 2, timeout: 60_000 },
    async ({ mydocker }) => {
      const image = await escapes(mydocker);
      const dir = markerDir('cgroup-root');
      const before = snapshotHost();
      try {
        const result = await mydocker.run([
          'run',
          '--rm',
          '--network',
          'none',
          '-v',
          `${dir}:/marker`,
          image,
          '/escape/cgroup-root',
          '/marker',
        ]);
        expectExitCode(result, 0);
        expect(readdirSync(dir), `${describeRun(result)}\n${result.stdout}the escape's marker`).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(hostChanges(before, snapshotHost()), 'what the escape changed on the host').toEqual([]);
    },
  );

  check(
    "mydocker exec joins the container's cgroup namespace: the same one, and its cgroups show as /",
    { hint: 3 },
    async ({ mydocker }) => {
      const container = await detach(mydocker, 'cgroupns-exec');
      try {
        const result = await mydocker.run([
          'exec',
          'cgroupns-exec',
          'sh',
          '-c',
          'readlink /proc/self/ns/cgroup; cat /proc/self/cgroup',
        ]);
        expectExitCode(result, 0);
        const [namespace, ...cgroups] = result.stdout.split('\n');
        expect(
          namespace,
          `${describeRun(result)}\nthe exec'd process's cgroup namespace, against the container's PID 1's (hint 3)`,
        ).toBe(readlinkSync(`/proc/${container.pid}/ns/cgroup`));
        expect(
          notRoot(cgroups.join('\n'), namespace !== hostCgroupNamespace()),
          `${describeRun(result)}\n/proc/self/cgroup of the exec'd process`,
        ).toEqual([]);
      } finally {
        await mydocker.run(['rm', '-f', 'cgroupns-exec']);
      }
    },
  );

  check(
    "run escapes /proc/self/exe: the container runs the runtime's sealed copy, never the host's file, and cannot open it for writing",
    { hint: 4, timeout: 60_000 },
    async ({ mydocker }) => {
      const image = await escapes(mydocker);
      const dir = markerDir('runtime-exe');
      const shimBefore = sha256(SHIM);
      const shim = statSync(SHIM);
      const before = snapshotHost();
      // The container's command is /proc/self/exe: the kernel resolves it, while the shim execs it,
      // to the shim's own executable. That shim gets a plan as its argv (native/README.md: version
      // 2, no new namespace, stdio inherited) whose one step execs the escape, as its child.
      const exec = ['exec', '4', '', '2', '/escape/runtime-exe', '/marker'];
      const plan = ['2', '0', 'null', 'inherit', 'enter', '0', 'container', '1', ...exec];
      const command = ['/proc/self/exe', ...plan, 'created', '0', 'ended', '0', 'failed', '0'];
      const args = ['run', '--rm', '--network', 'none', '-v', `${dir}:/marker`, image, ...command];
      const running = mydocker.start(args, 'ignore');
      let output = '';
      running.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let ended = false;
      void running.then(() => (ended = true));
      try {
        await until('the escape saying "ready"', () => {
          if (output.includes('ready\n')) return true;
          if (ended) throw new Error(`\`mydocker ${args.join(' ')}\` ended before the escape said "ready": ${output}`);
          return undefined;
        });
        const pid = mydocker.runningState().pid;
        const exe = readlinkSync(`/proc/${pid}/exe`);
        const ran = statSync(`/proc/${pid}/exe`);
        expect(
          exe.startsWith('/memfd:'),
          `/proc/${pid}/exe of the container's PID 1, which runs the runtime's binary, is ${exe}: not the shim's sealed memfd copy (native/shim.c, run_from_sealed_copy)`,
        ).toBe(true);
        expect(`${ran.dev}:${ran.ino}`, `the file the container's PID 1 runs must not be the host's ${SHIM}`).not.toBe(
          `${shim.dev}:${shim.ino}`,
        );
        const report = Object.fromEntries(
          output
            .split('\n')
            .filter((line) => line.includes(': '))
            .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
        );
        expect(report.inode, `the escape's view of its parent's binary (${output})`).not.toBe(
          `${shim.dev}:${shim.ino}`,
        );
        expect(Number(report.seals) & SEALS, `its seals, from inside (F_GET_SEALS): ${output}`).toBe(SEALS);
        expect(report['open-write'], `open(/proc/<parent>/exe, O_WRONLY) from inside: ${output}`).not.toBe('opened');
      } finally {
        writeFileSync(join(dir, 'go'), '');
        await running;
        const markers = readdirSync(dir).filter((name) => name !== 'go');
        rmSync(dir, { recursive: true, force: true });
        expect(markers, `the escape's markers (${output})`).toEqual([]);
      }
      expect(sha256(SHIM), `${SHIM}, the runtime's binary on the host, after the attempt`).toBe(shimBefore);
      expect(hostChanges(before, snapshotHost()), 'what the escape changed on the host').toEqual([]);
    },
  );

  check(
    "the container's PID 1 and an exec'd process hold no descriptor beyond 0, 1 and 2",
    { hint: 4 },
    async ({ mydocker }) => {
      const container = await detach(mydocker, 'cgroupns-fds');
      const exec = mydocker.start(['exec', 'cgroupns-fds', 'sleep', '30'], 'ignore');
      try {
        expect(
          descriptors(container.pid).filter((fd) => !/^[012] /.test(fd)),
          "PID 1's descriptors",
        ).toEqual([]);
        const pidNamespace = readlinkSync(`/proc/${container.pid}/ns/pid`);
        const execPid = await until("the exec'd sleep", () => {
          const found = processesIn(pidNamespace, container.pid).find((pid) => {
            try {
              return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep';
            } catch {
              return false;
            }
          });
          return found;
        });
        expect(
          descriptors(execPid).filter((fd) => !/^[012] /.test(fd)),
          "the exec'd process's descriptors",
        ).toEqual([]);
      } finally {
        await mydocker.run(['rm', '-f', 'cgroupns-fds']);
        await exec;
      }
    },
  );
});
