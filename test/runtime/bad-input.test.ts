// Bad input to the reference runtime: one clear line on stderr, docker's exit code, and nothing left
// behind (no state, no process, no mount). Runs mydocker for real, so the exec cases need root.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, projectRoot } from '../../scripts/build.mjs';
import { removeCgroupParent, testCgroupParent } from '../support/cgroup-parent.ts';
import { inOwnNetns } from '../support/own-netns.ts';

const stateRoot = mkdtempSync(join(tmpdir(), 'mydocker-bad-input-'));
const notExecutable = join(stateRoot, 'not-executable');
const notAProgram = join(stateRoot, 'not-a-program');
writeFileSync(notExecutable, 'text\n');
chmodSync(notExecutable, 0o644);
writeFileSync(notAProgram, 'text without a #! line\n');
chmodSync(notAProgram, 0o755);
const marker = randomUUID();
const isRoot = process.getuid?.() === 0;
const cgroupParent = testCgroupParent('bad-input');

async function mydocker(args: string[], env: Record<string, string> = {}) {
  return execa(...inOwnNetns(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), ...args]), {
    reject: false,
    stdin: 'ignore',
    env: {
      MYDOCKER_SOURCE: 'solutions',
      MYDOCKER_ROOT: stateRoot,
      MYDOCKER_CGROUP_PARENT: cgroupParent,
      MYDOCKER_TEST_MARKER: marker,
      ...env,
    },
  });
}

/** Cgroup directories of containers under `parent`, in any hierarchy. */
function containerCgroupsUnder(parent: string): string[] {
  return readdirSync('/sys/fs/cgroup').flatMap((hierarchy) => {
    try {
      return readdirSync(join('/sys/fs/cgroup', hierarchy, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(hierarchy, parent, entry.name));
    } catch {
      return [];
    }
  });
}

/** Processes that inherited this test's marker: a container or shim left running. */
function processesWithMarker(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('mydocker run with bad input', () => {
  let mountsBefore = '';
  beforeAll(async () => {
    await ensureBuilt('solutions');
    mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
  });
  afterAll(() => {
    rmSync(stateRoot, { recursive: true, force: true });
    removeCgroupParent(cgroupParent);
  });

  test.each([
    ['no image', ['run'], /^mydocker: missing required argument 'image'/],
    ['an unknown flag', ['run', '--frobnicate', 'host', 'true'], /^mydocker: unknown option '--frobnicate'/],
    ['no command for the host image', ['run', 'host'], /^mydocker: no command specified/],
    [
      'an image that does not exist',
      ['run', 'nosuch', 'true'],
      /^mydocker: unable to find image 'nosuch:latest': import it first/,
    ],
    ['an image name with /../', ['run', 'a/../b', 'true'], /^mydocker: invalid image name 'a\/\.\.\/b'/],
    [
      'a relative volume source',
      ['run', '-v', 'data:/data', 'busybox', 'true'],
      /^mydocker: invalid volume specification 'data:\/data': the host path 'data' must be absolute/,
    ],
    [
      "a volume on the container's root",
      ['run', '-v', '/tmp:/', 'busybox', 'true'],
      /^mydocker: invalid volume specification '\/tmp:\/': a volume cannot be mounted on the container's root/,
    ],
    [
      'a volume spec without a container path',
      ['run', '-v', '/tmp', 'busybox', 'true'],
      /^mydocker: invalid volume specification '\/tmp': use -v/,
    ],
    [
      'two volumes on one path',
      ['run', '-v', '/tmp:/data', '-v', '/srv:/data/', 'busybox', 'true'],
      /^mydocker: duplicate mount point '\/data'/,
    ],
    ['a volume for the host image', ['run', '-v', '/tmp:/data', 'host', 'true'], /^mydocker: volumes need an image/],
    ['a bad container name', ['run', '--name', 'a/b', 'busybox', 'true'], /^mydocker: invalid container name 'a\/b'/],
    [
      'a network that does not exist',
      ['run', '--network', 'nosuch', 'busybox', 'true'],
      /^mydocker: network nosuch not found$/,
    ],
    [
      "another container's network, when there is no such container",
      ['run', '--network', 'container:nosuch', 'busybox', 'true'],
      /^mydocker: No such container: nosuch$/,
    ],
    [
      'container: without a name',
      ['run', '--network', 'container:', 'busybox', 'true'],
      /^mydocker: invalid argument "container:" for "--network" flag/,
    ],
    ['-it without a terminal', ['run', '-it', 'host', 'sh'], /^mydocker: the input device is not a TTY/],
    ['an unknown command', ['frobnicate'], /^mydocker: unknown command 'frobnicate'/],
    ['exec with an unknown flag', ['exec', '--frobnicate', 'c', 'true'], /^mydocker: unknown option '--frobnicate'/],
  ])('%s: one line, exit 125', async (_, args, message) => {
    const result = await mydocker(args);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  test.each<[string, string[], RegExp]>([
    ['rm of a container that does not exist', ['rm', 'nosuch'], /^mydocker: No such container: nosuch$/m],
    ['commit of a container that does not exist', ['commit', 'nosuch', 'x'], /^mydocker: No such container: nosuch$/m],
    [
      'export of a container that does not exist',
      ['export', 'nosuch', '/tmp/never-written.tar'],
      /^mydocker: No such container: nosuch$/m,
    ],
    ['rmi of an image that does not exist', ['rmi', 'nosuch'], /^mydocker: no such image: nosuch:latest/],
    ['exec into a container that does not exist', ['exec', 'nosuch', 'true'], /^mydocker: No such container: nosuch$/],
    ['exec without a command', ['exec', 'nosuch'], /^mydocker: "mydocker exec" requires at least 2 arguments/],
    ['exec -it without a terminal', ['exec', '-it', 'nosuch', 'sh'], /^mydocker: the input device is not a TTY/],
    [
      'exec with a relative working directory',
      ['exec', '-w', 'tmp', 'nosuch', 'true'],
      /^mydocker: the working directory 'tmp' is invalid, it needs to be an absolute path/,
    ],
  ])("%s: one line, docker's exit code 1", async (_, args, message) => {
    const result = await mydocker(args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test.each<[string, string[], RegExp, Record<string, string>?]>([
    ['-m abc', ['-m', 'abc'], /^mydocker: invalid value "abc" for -m, --memory: use a number with an optional unit/],
    ['-m 5m, below the 6 MB a container needs', ['-m', '5m'], /^mydocker: minimum memory limit allowed is 6MB/],
    [
      '--cpus -1',
      ['--cpus', '-1'],
      /^mydocker: range of CPUs is from 0.01 to \d+\.00, as there are only \d+ CPUs available/,
    ],
    ['--cpus 99', ['--cpus', '99'], /^mydocker: range of CPUs is from 0.01 to \d+\.00/],
    [
      '--cpuset-cpus 7 on a smaller machine',
      ['--cpuset-cpus', '7'],
      /^mydocker: requested CPUs are not available - requested 7, available: /,
    ],
    [
      '--memory-swap smaller than -m',
      ['-m', '64m', '--memory-swap', '32m'],
      /^mydocker: minimum memory-swap limit should be larger than the memory limit/,
    ],
    ['--memory-swap without -m', ['--memory-swap', '64m'], /^mydocker: you should always set the memory limit/],
    ['--cpu-shares 1', ['--cpu-shares', '1'], /^mydocker: invalid --cpu-shares 1/],
    ['--cgroupns of no mode', ['--cgroupns', 'none'], /^mydocker: invalid --cgroupns "none": it takes private or host/],
    [
      'a MYDOCKER_CGROUP_PARENT outside the hierarchy',
      [],
      /^mydocker: MYDOCKER_CGROUP_PARENT must be a relative path/,
      { MYDOCKER_CGROUP_PARENT: '../escape' },
    ],
  ])('%s: one line, exit 125', async (_, flags, message, env = {}) => {
    const result = await mydocker(['run', ...flags, 'host', 'true'], env);
    expect(result.exitCode).toBe(125);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test.runIf(isRoot)('-m 0 and --pids-limit 0 or -1 mean no limit', async () => {
    for (const flags of [
      ['-m', '0'],
      ['--pids-limit', '0'],
      ['--pids-limit', '-1'],
    ]) {
      const result = await mydocker(['run', '--explain', ...flags, 'host', 'true']);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).not.toMatch(/memory\.(limit_in_bytes|max)|pids\.max/);
    }
  });

  test('an unknown MYDOCKER_SOURCE: one line, exit 125', async () => {
    const result = await mydocker(['run', 'host', 'true'], { MYDOCKER_SOURCE: 'mine' });
    expect(result.exitCode).toBe(125);
    expect(result.stderr.trim().split('\n')).toEqual([
      "mydocker: MYDOCKER_SOURCE must be 'labs', 'solutions' or an absolute path, not 'mine'",
    ]);
  });

  test.runIf(isRoot).each([
    [
      'a command that does not exist',
      127,
      'no-such-command',
      'mydocker: exec: "no-such-command": executable file not found in $PATH',
    ],
    ['a file that is not executable', 126, notExecutable, `mydocker: exec: "${notExecutable}": permission denied`],
    ['an executable file that is no program', 126, notAProgram, `mydocker: exec: "${notAProgram}": exec format error`],
    ['a path that does not exist', 127, '/no/such/file', 'mydocker: exec: "/no/such/file": no such file or directory'],
  ])('%s: exit %i, one line', async (_, code, command, line) => {
    const result = await mydocker(['run', 'host', command]);
    expect(result.exitCode).toBe(code);
    expect(result.stderr).toBe(line); // execa strips the final newline: this is the whole of stderr
  });

  test('nothing is left behind: no state, no process, no mount', () => {
    const containers = join(stateRoot, 'containers');
    const left = (() => {
      try {
        return readdirSync(containers);
      } catch {
        return [];
      }
    })();
    expect(left, 'container state directories').toEqual([]);
    expect(processesWithMarker(), 'processes from these runs').toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8'), 'the mount table').toBe(mountsBefore);
    expect(containerCgroupsUnder(cgroupParent), 'container cgroups under the test parent').toEqual([]);
  });
});
