// Lab ch4-volumes: -v HOST:CONTAINER[:ro] shows a host directory inside; what is written there stays on
// the host after rm; :ro is enforced by the kernel; a bad spec is refused before anything is made.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import type { Mydocker } from '../../harness/mydocker.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type VolumesModule = typeof import('../../../solutions/src/union/volumes.ts');

async function withHostDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-volume-`));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What exists of containers in the state root: bad input must leave none. */
function containerDirs(mydocker: Mydocker): string[] {
  return mydocker.files().filter((path) => path.startsWith('containers/'));
}

describeLab('ch4-volumes', (check) => {
  check('parseVolume reads HOST:CONTAINER[:ro] and refuses each malformed spec', { hint: 1 }, async () => {
    const { parseVolume } = await importTarget<VolumesModule>('union/volumes.ts');
    expect(parseVolume('/srv/data:/data'), '/srv/data:/data').toEqual({
      source: '/srv/data',
      target: '/data',
      readOnly: false,
    });
    expect(parseVolume('/srv/data:/data/:ro'), '/srv/data:/data/:ro').toEqual({
      source: '/srv/data',
      target: '/data',
      readOnly: true,
    });
    for (const bad of [
      '/srv/data',
      'data:/data',
      '/srv/data:data',
      '/srv/data:/',
      '/srv/data:/data/..',
      '/srv/data:/data:rx',
      '/a:/b:ro:x',
      ':/data',
    ]) {
      expect(() => parseVolume(bad), `parseVolume('${bad}') must throw`).toThrow(/./);
    }
  });

  check(
    'what the container writes to a volume is on the host afterwards, and survives rm',
    { hint: 2 },
    async ({ mydocker }) => {
      await withHostDir(async (dir) => {
        const result = await mydocker.run([
          'run',
          '--name',
          'vol',
          '-v',
          `${dir}:/data`,
          'busybox',
          'sh',
          '-c',
          'echo kept > /data/file',
        ]);
        expectExitCode(result, 0);
        expectExitCode(await mydocker.run(['rm', 'vol']), 0);
        expect(
          readFileSync(join(dir, 'file'), 'utf8'),
          `${describeRun(result)}\n${dir}/file on the host after rm`,
        ).toBe('kept\n');
      });
    },
  );

  check(
    "a missing host directory is made, and the host sees the container's files in it",
    { hint: 2 },
    async ({ mydocker }) => {
      await withHostDir(async (dir) => {
        const source = join(dir, 'new', 'deeper');
        const result = await mydocker.run([
          'run',
          '--rm',
          '-v',
          `${source}:/srv/x`,
          'busybox',
          'sh',
          '-c',
          'echo hi > /srv/x/f',
        ]);
        expectExitCode(result, 0);
        expect(statSync(source).isDirectory(), `${source} after the run`).toBe(true);
        expect(readFileSync(join(source, 'f'), 'utf8'), describeRun(result)).toBe('hi\n');
      });
    },
  );

  check('writing to a :ro volume fails with EROFS, and reading works', { hint: 3 }, async ({ mydocker }) => {
    await withHostDir(async (dir) => {
      const result = await mydocker.run([
        'run',
        '--rm',
        '-v',
        `${dir}:/data:ro`,
        'busybox',
        'sh',
        '-c',
        'ls /data >/dev/null && echo x > /data/file',
      ]);
      expect(result.stderr, describeRun(result)).toContain('Read-only file system');
      expect(existsSync(join(dir, 'file')), 'the file the container tried to write').toBe(false);
    });
  });

  check('a bad volume spec: one line, exit 125, and no container left behind', { hint: 1 }, async ({ mydocker }) => {
    for (const spec of ['relative:/data', '/tmp:/', '/tmp:data', '/tmp']) {
      const before = containerDirs(mydocker);
      const result = await mydocker.run(['run', '--rm', '-v', spec, 'busybox', 'true']);
      expectExitCode(result, 125);
      expect(result.stderr.trim().split('\n'), `${describeRun(result)}\none line on stderr`).toHaveLength(1);
      expect(containerDirs(mydocker), `${describeRun(result)}\ncontainers left in the state root`).toEqual(before);
    }
  });
});
