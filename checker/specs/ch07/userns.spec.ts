// Lab ch7-userns: a user namespace makes the container's root an ordinary user of the host. Read from
// the host: the container's /proc/<pid>/uid_map and gid_map are the subordinate ranges, its PID 1
// runs as the first of them (/proc/<pid>/status) while `id` inside says 0, what it writes in its
// upper layer is that uid's, and it cannot read a host file only root may read. Rootless, an
// ordinary user runs a container whose root is their own uid, and what needs root is refused.
//
// Nothing of the host changes: /etc/subuid, /etc/subgid (and, for the rootless user, /etc/passwd)
// are the checker's own files, bind-mounted over the host's in the lab host's mount namespace only
// (a slave of the host's: nothing flows back), and removed after each check; the rootless user is a
// uid that has no entry in the host's /etc/passwd, and the files it makes are in directories the
// checker owns and removes.
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { FakeKernel } from '../../harness/fake-kernel.ts';
import type { LabHost } from '../../harness/labhost.ts';
import type { Mydocker, UnprivilegedUser } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type UsernsModule = typeof import('../../../solutions/src/security/userns.ts');

const REMAP = { start: 100_000, count: 65_536 };
const ROOTLESS = { uid: 54_321, gid: 54_321, name: 'mydocker-check', start: 200_000, count: 65_536 };
// Another user's range first: the remap user's is the one that counts.
const SUBORDINATE_IDS = `someone:300000:65536\nmydocker:${REMAP.start}:${REMAP.count}\n${ROOTLESS.name}:${ROOTLESS.start}:${ROOTLESS.count}\n`;

/** A directory of the checker's own, removed after `body`. */
async function withScratch<T>(what: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-${what}-`));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `body` runs while the lab host's /etc/subuid and /etc/subgid are `ids` (and /etc/passwd knows the
 * rootless user, whom newuidmap looks up by name): bind mounts of the checker's files, in the lab
 * host's mount namespace only, unmounted afterwards (the leak check counts the lab host's mounts).
 */
async function withIds<T>(host: LabHost, ids: string, body: () => Promise<T>): Promise<T> {
  return withScratch('ids', async (dir) => {
    const passwd = `${readFileSync('/etc/passwd', 'utf8').trimEnd()}\n${ROOTLESS.name}:x:${ROOTLESS.uid}:${ROOTLESS.gid}::/nonexistent:/usr/sbin/nologin\n`;
    const files = { '/etc/subuid': ids, '/etc/subgid': ids, '/etc/passwd': passwd };
    const bound: string[] = [];
    try {
      for (const [target, text] of Object.entries(files)) {
        const source = join(dir, target.slice('/etc/'.length));
        writeFileSync(source, text, { mode: 0o644 });
        const result = await host.exec(['mount', '--bind', source, target]);
        if (result.exitCode !== 0) throw new Error(`mount --bind ${source} ${target}: ${String(result.stderr)}`);
        bound.push(target);
      }
      return await body();
    } finally {
      for (const target of bound.reverse()) await host.exec(['umount', target]);
    }
  });
}

/** The rootless user, with a state root of its own (the checker's directory, made theirs). */
async function withRootlessUser<T>(body: (user: UnprivilegedUser) => Promise<T>): Promise<T> {
  return withScratch('rootless', async (stateRoot) => {
    chownSync(stateRoot, ROOTLESS.uid, ROOTLESS.gid);
    return body({ uid: ROOTLESS.uid, gid: ROOTLESS.gid, stateRoot });
  });
}

/** /proc/<pid>/uid_map as its lines' numbers: `inside outside count` each. */
function idMap(pid: number, which: 'uid' | 'gid'): number[][] {
  return readFileSync(`/proc/${pid}/${which}_map`, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
}

/** The four ids of the Uid: (or Gid:) line of /proc/<pid>/status: real, effective, saved, filesystem. */
function statusIds(pid: number, which: 'Uid' | 'Gid'): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${which}:`));
  return line!.split(/\s+/).slice(1).map(Number);
}

function containerDirs(mydocker: Mydocker): string[] {
  return mydocker.files().filter((path) => /^containers\/[^/]+$/.test(path));
}

/** Builds the runtime as root first: the rootless user may not write the build directory. */
async function buildAsRoot(mydocker: Mydocker): Promise<void> {
  expectExitCode(await mydocker.run(['ps']), 0);
}

describeLab('ch7-userns', (check) => {
  check(
    'idMappings maps the container from 0 to the subordinate range, and rootless puts the caller at 0',
    { hint: 1 },
    async () => {
      const { idMappings } = await importTarget<UsernsModule>('security/userns.ts');
      expect(idMappings(REMAP), 'idMappings({ start: 100000, count: 65536 }): --userns remap').toEqual([
        { inside: 0, outside: 100_000, count: 65_536 },
      ]);
      expect(
        idMappings(REMAP, 1000),
        'idMappings({ start: 100000, count: 65536 }, 1000): rootless, the caller is uid 1000',
      ).toEqual([
        { inside: 0, outside: 1000, count: 1 },
        { inside: 1, outside: 100_000, count: 65_536 },
      ]);
    },
  );

  check('enterUserNamespace makes the container its namespace root, and nothing without one', { hint: 2 }, async () => {
    const { enterUserNamespace } = await importTarget<UsernsModule>('security/userns.ts');
    const kernel = new FakeKernel();
    enterUserNamespace(kernel, { uids: [{ inside: 0, outside: 100_000, count: 1 }], gids: [] });
    expect(kernel.calls, 'enterUserNamespace with a user namespace').toEqual(['identity 0 0']);
    const none = new FakeKernel();
    enterUserNamespace(none, undefined);
    expect(none.calls, 'enterUserNamespace without one (--userns host)').toEqual([]);
  });

  check(
    "--userns remap: the host sees the ranges in uid_map and gid_map, and PID 1 runs as the range's first uid while id says 0",
    { hint: 1 },
    async ({ host, mydocker }) => {
      await withIds(host, SUBORDINATE_IDS, async () => {
        const held = await mydocker.hold(
          ['--name', 'remapped', '--network', 'none', '--userns', 'remap'],
          'id; touch /made-inside',
          'busybox',
        );
        const seen = {
          uidMap: idMap(held.pid, 'uid'),
          gidMap: idMap(held.pid, 'gid'),
          uid: statusIds(held.pid, 'Uid'),
          gid: statusIds(held.pid, 'Gid'),
        };
        const result = await held.release();
        const context = `${describeRun(result)}\nread from the host: /proc/${held.pid}/uid_map, gid_map and status`;
        expect(seen.uidMap, `${context}: uid_map`).toEqual([[0, REMAP.start, REMAP.count]]);
        expect(seen.gidMap, `${context}: gid_map`).toEqual([[0, REMAP.start, REMAP.count]]);
        expect(seen.uid, `${context}: the Uid line (real, effective, saved, filesystem)`).toEqual(
          Array(4).fill(REMAP.start),
        );
        expect(seen.gid, `${context}: the Gid line`).toEqual(Array(4).fill(REMAP.start));
        expectExitCode(result, 0);
        expect(result.stdout, `${describeRun(result)}\nid inside the container`).toContain('uid=0(root) gid=0(root)');
        // What it made is in its upper layer on the host, owned by the range's first uid.
        const made = statSync(join(mydocker.containerDir(held.state.id), 'upper', 'made-inside'));
        expect([made.uid, made.gid], `${describeRun(result)}\nthe owner of upper/made-inside on the host`).toEqual([
          REMAP.start,
          REMAP.start,
        ]);
        expectExitCode(await mydocker.run(['rm', 'remapped']), 0);
      });
    },
  );

  check(
    "--userns remap: the image's files are the container root's (its layers copied with their owners shifted into the range): it writes /etc and makes directories; --device works",
    { hint: 1 },
    async ({ host, mydocker }) => {
      await withIds(host, SUBORDINATE_IDS, async () => {
        const result = await mydocker.run([
          'run',
          '--rm',
          '--network',
          'none',
          '--userns',
          'remap',
          // A device node cannot be made in a user namespace (mknod needs CAP_MKNOD in the host's):
          // --device's is the host's node, bound.
          '--device',
          '/dev/zero:/dev/snd/zeros',
          'busybox',
          'sh',
          '-c',
          'ls -lnd /etc /etc/passwd /tmp; echo extra >> /etc/passwd && mkdir /tmp/made && mkdir /etc/made && echo WROTE; head -c 3 /dev/snd/zeros | od -An -tx1',
        ]);
        expectExitCode(result, 0);
        // Unshifted, they are host root's, nobody's inside (65534), and writing fails (EACCES, EOVERFLOW).
        expect(
          result.stdout
            .split('\n')
            .filter(Boolean)
            .slice(0, 3)
            .map((line) => line.split(/\s+/).slice(2, 4).join(' ')),
          `${describeRun(result)}\nthe owners of /etc, /etc/passwd and /tmp inside`,
        ).toEqual(['0 0', '0 0', '0 0']);
        expect(result.stdout, describeRun(result)).toContain('WROTE');
        expect(result.stdout, `${describeRun(result)}\nwhat --device /dev/zero:/dev/snd/zeros gave`).toContain(
          ' 00 00 00\n',
        );
        const layer = readdirSync(join(mydocker.stateRoot, 'remapped', `${REMAP.start}-${REMAP.start}`, 'layers'));
        const copy = statSync(
          join(mydocker.stateRoot, 'remapped', `${REMAP.start}-${REMAP.start}`, 'layers', layer[0]!, 'etc'),
        );
        expect(
          [layer.length, copy.uid, copy.gid],
          "the range's copy of the layer on the host: how many, its etc's owner",
        ).toEqual([1, REMAP.start, REMAP.start]);
        // The store's own layer is not changed: other containers still see it as root's.
        const original = statSync(join(mydocker.stateRoot, 'layers', layer[0]!, 'etc'));
        expect([original.uid, original.gid], "the store's layer's etc, afterwards").toEqual([0, 0]);
      });
    },
  );

  check(
    "root in the container is not the host's root: a host file only root may read stays unread",
    { hint: 1 },
    async ({ host, mydocker }) => {
      await withIds(host, SUBORDINATE_IDS, async () => {
        await withScratch('secret', async (dir) => {
          chmodSync(dir, 0o755); // the directory may be listed: the file in it may not be read
          writeFileSync(join(dir, 'secret'), 'host root only\n', { mode: 0o600 });
          const result = await mydocker.run([
            'run',
            '--rm',
            '--network',
            'none',
            '--userns',
            'remap',
            '-v',
            `${dir}:/host`,
            'busybox',
            'sh',
            '-c',
            'ls -ln /host/secret; cat /host/secret && echo READ',
          ]);
          expect(
            result.stdout,
            `${describeRun(result)}\nthe container's root read a host file of mode 0600 owned by host root`,
          ).not.toContain('READ');
          expect(result.stderr, describeRun(result)).toContain('Permission denied');
          // Host root's files show as the overflow uid, nobody: the namespace does not map host uid 0.
          expect(result.stdout, `${describeRun(result)}\nthe owner of the file as the container sees it`).toMatch(
            / 65534 +65534 /,
          );
          expect(readFileSync(join(dir, 'secret'), 'utf8'), 'the host file afterwards').toBe('host root only\n');
        });
      });
    },
  );

  check(
    'mydocker exec joins the user namespace: its command is the same mapped root',
    { hint: 2 },
    async ({ host, mydocker }) => {
      await withIds(host, SUBORDINATE_IDS, async () => {
        const held = await mydocker.hold(
          ['--name', 'joined', '--network', 'none', '--userns', 'remap'],
          'true',
          'busybox',
        );
        const result = await mydocker.run([
          'exec',
          'joined',
          'sh',
          '-c',
          'id; cat /proc/self/uid_map; grep Uid /proc/self/status',
        ]);
        await held.release();
        expectExitCode(result, 0);
        expect(result.stdout, describeRun(result)).toContain('uid=0(root) gid=0(root)');
        expect(result.stdout.replace(/\s+/g, ' '), `${describeRun(result)}\nits uid_map`).toContain(
          `0 ${REMAP.start} ${REMAP.count}`,
        );
        expectExitCode(await mydocker.run(['rm', 'joined']), 0);
      });
    },
  );

  check(
    '--userns remap without subordinate ids: one line, exit 125, nothing made',
    { hint: 1 },
    async ({ host, mydocker }) => {
      await withIds(host, 'someone:300000:65536\n', async () => {
        const before = containerDirs(mydocker);
        const result = await mydocker.run(['run', '--rm', '--network', 'none', '--userns', 'remap', 'busybox', 'true']);
        expectExitCode(result, 125);
        const lines = result.stderr.trim().split('\n');
        expect(lines, `${describeRun(result)}\none line on stderr`).toHaveLength(1);
        expect(lines[0], describeRun(result)).toContain('/etc/subuid');
        expect(containerDirs(mydocker), `${describeRun(result)}\ncontainers left in the state root`).toEqual(before);
      });
    },
  );

  check(
    'rootless: an ordinary user runs busybox as its root, which is their own uid on the host',
    { hint: 2 },
    async ({ host, mydocker }) => {
      await buildAsRoot(mydocker);
      await withIds(host, SUBORDINATE_IDS, async () => {
        await withRootlessUser(async (user) => {
          const result = await mydocker.run(
            [
              'run',
              '--rm',
              '--network',
              'none',
              'busybox',
              'sh',
              '-c',
              'id; cat /proc/self/uid_map; grep -E "^(Uid|Gid):" /proc/self/status',
            ],
            { user },
          );
          expectExitCode(result, 0);
          expect(result.stdout, `${describeRun(result)} (as uid ${user.uid})\nid`).toContain('uid=0(root) gid=0(root)');
          const map = result.stdout.replace(/[ \t]+/g, ' ');
          expect(map, `${describeRun(result)} (as uid ${user.uid})\nuid_map: 0 is the caller, 1.. the range`).toContain(
            ` 0 ${ROOTLESS.uid} 1\n 1 ${ROOTLESS.start} ${ROOTLESS.count}\n`,
          );
          const left = filesUnder(user.stateRoot).filter((path) => /^containers\/./.test(path));
          expect(left, `${describeRun(result)}\ncontainers left in the rootless state root (--rm)`).toEqual([]);
        });
      });
    },
  );

  check(
    'rootless: a detached container, exec into it and rm -f, all as the user',
    { hint: 2 },
    async ({ host, mydocker }) => {
      await buildAsRoot(mydocker);
      await withIds(host, SUBORDINATE_IDS, async () => {
        await withRootlessUser(async (user) => {
          const started = await mydocker.run(
            ['run', '-d', '--name', 'mine', '--network', 'none', 'busybox', 'sleep', '60'],
            {
              user,
            },
          );
          expectExitCode(started, 0);
          const exec = await mydocker.run(['exec', 'mine', 'sh', '-c', 'id; cat /proc/self/uid_map'], { user });
          const removed = await mydocker.run(['rm', '-f', 'mine'], { user });
          expectExitCode(exec, 0);
          expect(exec.stdout, `${describeRun(exec)} (as uid ${user.uid})`).toContain('uid=0(root) gid=0(root)');
          expect(
            exec.stdout.replace(/[ \t]+/g, ' '),
            `${describeRun(exec)} (as uid ${user.uid})\nits uid_map`,
          ).toContain(` 0 ${ROOTLESS.uid} 1\n`);
          expectExitCode(removed, 0);
          const left = filesUnder(user.stateRoot).filter((path) => /^containers\/./.test(path));
          expect(left, `${describeRun(removed)} (as uid ${user.uid})\nwhat is left of the container`).toEqual([]);
        });
      });
    },
  );

  check(
    "rootless: a bridge network, cgroup limits and another user's ids are refused, one line each, exit 125",
    { hint: 2 },
    async ({ host, mydocker }) => {
      await buildAsRoot(mydocker);
      await withIds(host, SUBORDINATE_IDS, async () => {
        await withRootlessUser(async (user) => {
          for (const [flags, says] of [
            [[], '--network bridge'],
            [['--network', 'none', '-m', '64m'], 'cgroup'],
            [['--network', 'none', '--pids-limit', '10'], 'cgroup'],
            [['--network', 'host'], '--network host'],
            [['--network', 'none', '--userns', 'remap:someone'], 'remap:someone'],
          ] as const) {
            const result = await mydocker.run(['run', '--rm', ...flags, 'busybox', 'true'], { user });
            const context = `${describeRun(result)} (as uid ${user.uid})`;
            expectExitCode(result, 125);
            const lines = result.stderr.trim().split('\n');
            expect(lines, `${context}\none line on stderr`).toHaveLength(1);
            expect(lines[0], context).toContain(says);
            expect(
              filesUnder(user.stateRoot).filter((path) => /^containers\/./.test(path)),
              `${context}\ncontainers left`,
            ).toEqual([]);
          }
        });
      });
    },
  );
});

/** The state root's files, relative to it. */
function filesUnder(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true }).map(String).sort();
  } catch {
    return [];
  }
}
