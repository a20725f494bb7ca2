// Lab ch7-paths: /proc and /sys as docker leaves them to a container. From the host, the container's
// /proc/<pid>/mountinfo shows each masked path covered (a file by /dev/null, a directory by an empty
// read-only tmpfs) and each read-only path a read-only mount of its own; from inside, the masked files
// read as nothing and the read-only ones refuse a writer (EROFS), with the host unchanged. Every write
// tried is harmless on the stub too: an open for writing that writes nothing, or a sysctl of the
// container's own network namespace. --privileged and systempaths=unconfined leave /proc whole; /sys,
// read-only since chapter 3, cannot be remounted read-write with the defaults.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { hostChanges, snapshotHost } from '../../harness/host-unchanged.ts';
import { DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS } from '../../harness/mountinfo.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';

// docker's lists, less what this kernel lacks (runc leaves such a path out).
const MASKED = DOCKER_MASKED_PATHS.filter((path) => existsSync(path));
const READONLY = DOCKER_READONLY_PATHS.filter((path) => existsSync(path));

interface Mount {
  root: string;
  mountPoint: string;
  options: string[];
  fstype: string;
}

/** mountinfo(5): ID, parent, major:minor, root, mount point, options, optional fields, -, type, source, super options. */
function parseMountinfo(text: string): Mount[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [before = '', after = ''] = line.split(' - ');
      const fields = before.split(' ');
      return {
        root: fields[3] ?? '',
        mountPoint: fields[4] ?? '',
        options: (fields[5] ?? '').split(','),
        fstype: after.split(' ')[0] ?? '',
      };
    });
}

/** The topmost mount at `path` (the last one listed: a later mount covers an earlier). */
function topMount(mounts: Mount[], path: string): Mount | undefined {
  return mounts.filter((mount) => mount.mountPoint === path).at(-1);
}

/** `run -d --network none busybox sleep`, its mountinfo from the host, then rm -f. */
async function mountsOf(mydocker: Mydocker, flags: string[]): Promise<Mount[]> {
  const result = await mydocker.run(['run', '-d', '--network', 'none', ...flags, 'busybox', 'sleep', '60']);
  expectExitCode(result, 0);
  const id = result.stdout.trim();
  try {
    const state = mydocker.states().find((candidate) => candidate.id === id);
    if (state?.pid === undefined) throw new Error(`${describeRun(result)}\nthe container is not running`);
    return parseMountinfo(readFileSync(`/proc/${state.pid}/mountinfo`, 'utf8'));
  } finally {
    await mydocker.run(['rm', '-f', id]);
  }
}

function show(mount: Mount | undefined): string {
  return mount ? `${mount.mountPoint} ${mount.options.join(',')} - ${mount.fstype} (root ${mount.root})` : 'no mount';
}

describeLab('ch7-paths', (check) => {
  check(
    "from the host, the container's mountinfo shows each masked path covered and each read-only path read-only",
    { hint: 1 },
    async ({ mydocker }) => {
      const mounts = await mountsOf(mydocker, []);
      for (const path of MASKED) {
        const mount = topMount(mounts, path);
        const directory = statSync(path).isDirectory();
        const expected = directory
          ? 'an empty read-only tmpfs of its own'
          : "the container's /dev/null bound over it (a tmpfs mount whose root is /null)";
        expect(
          mount,
          `${path}, a ${directory ? 'directory' : 'file'}: expected ${expected}, found ${show(mount)}`,
        ).toMatchObject(directory ? { fstype: 'tmpfs', root: '/' } : { fstype: 'tmpfs', root: '/null' });
        if (directory) expect(mount!.options, `${path}: ${show(mount)}`).toContain('ro');
      }
      for (const path of READONLY) {
        const mount = topMount(mounts, path);
        expect(mount, `${path}: expected a read-only bind mount of itself, found ${show(mount)}`).toMatchObject({
          fstype: 'proc',
        });
        expect(mount!.options, `${path}: expected ro and /proc's nosuid,nodev,noexec kept: ${show(mount)}`).toEqual(
          expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']),
        );
      }
    },
  );

  check(
    'from inside, the masked files read as nothing and the masked directories are empty',
    { hint: 2 },
    async ({ mydocker }) => {
      const files = MASKED.filter((path) => !statSync(path).isDirectory());
      const dirs = MASKED.filter((path) => statSync(path).isDirectory());
      const script = [
        ...files.map((path) => `printf '%s:' ${path}; cat ${path} | wc -c`),
        ...dirs.map((path) => `printf '%s:' ${path}; ls -A ${path} | wc -l`),
      ].join('; ');
      const result = await mydocker.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', script]);
      expectExitCode(result, 0);
      const seen = Object.fromEntries(
        result.stdout
          .trim()
          .split('\n')
          .map((line) => line.split(':').map((part) => part.trim())),
      ) as Record<string, string>;
      for (const path of [...files, ...dirs]) {
        expect(seen[path], `${describeRun(result)}\n${path}: bytes read (a file) or entries (a directory) inside`).toBe(
          '0',
        );
      }
    },
  );

  check(
    'from inside, /proc/sys and /proc/sysrq-trigger refuse a writer (EROFS), and the host is unchanged',
    { hint: 2 },
    async ({ mydocker }) => {
      const before = snapshotHost();
      const hostTtl = readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8');
      // `true >>` opens for writing and writes nothing: harmless where the open succeeds (the stub).
      // (Not `:`: a redirection that fails on a special built-in ends the shell, POSIX says.)
      // ip_default_ttl is per network namespace: on the stub the write changes only the container's.
      const opens = ['/proc/sys/kernel/core_pattern', ...READONLY.filter((path) => path === '/proc/sysrq-trigger')];
      const script = [
        ...opens.map((path) => `true >> ${path} && echo "${path}: opened for writing"`),
        'echo 33 > /proc/sys/net/ipv4/ip_default_ttl && echo "ip_default_ttl: written"',
        'true',
      ].join('; ');
      const result = await mydocker.run(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', script]);
      const refused = result.stderr.split('\n').filter((line) => line.includes('Read-only file system'));
      expect(result.stdout, `${describeRun(result)}\nnone of the writes may succeed`).toBe('');
      expect(refused, `${describeRun(result)}\neach write refused with EROFS`).toHaveLength(opens.length + 1);
      expect(readFileSync('/proc/sys/net/ipv4/ip_default_ttl', 'utf8'), "the host's ip_default_ttl").toBe(hostTtl);
      expect(hostChanges(before, snapshotHost()), 'what changed on the host').toEqual([]);
    },
  );

  check(
    '--privileged and --security-opt systempaths=unconfined leave /proc and /sys whole',
    { hint: 3 },
    async ({ mydocker }) => {
      for (const flags of [['--privileged'], ['--security-opt', 'systempaths=unconfined']]) {
        const mounts = await mountsOf(mydocker, flags);
        const covered = [...MASKED, ...READONLY].filter((path) => topMount(mounts, path) !== undefined);
        expect(covered, `run ${flags.join(' ')}: the masked or read-only paths mounted over`).toEqual([]);
      }
    },
  );

  check('/sys cannot be remounted read-write from inside with the defaults', { hint: 3 }, async ({ mydocker }) => {
    const before = snapshotHost();
    const result = await mydocker.run([
      'run',
      '--rm',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'mount -o remount,rw /sys && echo remounted; grep " /sys " /proc/self/mountinfo',
    ]);
    expect(result.stdout, `${describeRun(result)}\nthe remount must fail`).not.toContain('remounted');
    expect(result.stdout, `${describeRun(result)}\n/sys must still be read-only`).toMatch(/ \/sys ro,/);
    expect(hostChanges(before, snapshotHost()), 'what changed on the host').toEqual([]);
  });
});
