// Lab ch4-whiteouts: an image layer deletes files with whiteout entries; the import turns them into
// what overlayfs reads, and the container sees exactly the image's final view.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { importLayeredImage } from '../../harness/images.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';

type WhiteoutsModule = typeof import('../../../solutions/src/images/whiteouts.ts');

describeLab('ch4-whiteouts', (check) => {
  check('whiteoutMark reads whiteouts and opaque markers, and nothing else', { hint: 1 }, async () => {
    const { whiteoutMark } = await importTarget<WhiteoutsModule>('images/whiteouts.ts');
    expect(whiteoutMark('etc/.wh.passwd'), 'etc/.wh.passwd').toEqual({ kind: 'whiteout', hides: 'etc/passwd' });
    expect(whiteoutMark('./.wh.gone'), './.wh.gone').toEqual({ kind: 'whiteout', hides: 'gone' });
    expect(whiteoutMark('usr/share/.wh..wh..opq'), 'usr/share/.wh..wh..opq').toEqual({
      kind: 'opaque',
      directory: 'usr/share',
    });
    expect(whiteoutMark('etc/passwd'), 'etc/passwd').toBeUndefined();
    expect(whiteoutMark('etc/x.wh.y'), 'etc/x.wh.y').toBeUndefined();
    // `.wh.` alone names nothing to delete (or etc itself), `.wh..` would delete the parent: ordinary entries.
    for (const odd of ['etc/.wh.', 'etc/.wh..'])
      expect(whiteoutMark(odd), `${odd} hides nothing: an ordinary entry`).toBeUndefined();
  });

  check(
    'a multi-layer image shows its final view: the whiteout deletes, the opaque directory hides',
    { hint: 2, timeout: 40_000 },
    async ({ mydocker }) => {
      const image = await importLayeredImage(mydocker);
      const script =
        '/bin/busybox ls -A /; echo ---; /bin/busybox ls -A /d; echo ---; /bin/busybox cat /keep /added /d/c';
      const result = await mydocker.run(['run', '--rm', image, 'sh', '-c', script]);
      expectExitCode(result, 0);
      const [top = [], d = [], contents = []] = result.stdout
        .split('---\n')
        .map((part) => part.split(/\s+/).filter(Boolean));
      expect(top, `${describeRun(result)}\nthe image's root`).toEqual(
        expect.arrayContaining(['added', 'bin', 'd', 'keep']),
      );
      expect(
        top.filter((name) => name === 'gone' || name.startsWith('.wh.')),
        `${describeRun(result)}\nwhat should not be in /`,
      ).toEqual([]);
      expect(d, `${describeRun(result)}\n/d after the opaque layer`).toEqual(['c']);
      expect(contents, describeRun(result)).toEqual(['keep', 'added', 'c']);
    },
  );

  check(
    "the layers on disk are in overlayfs' form: a 0/0 character device, an opaque xattr, no .wh. files",
    { hint: 3, timeout: 40_000 },
    async ({ mydocker }) => {
      const image =
        mydocker.image('layered:latest') ?? mydocker.image((await importLayeredImage(mydocker)) + ':latest');
      const [, second, third] = image!.layers.map((id) => mydocker.layerDir(id));
      const whiteout = execFileSync('stat', ['-c', '%F %t:%T', join(second!, 'gone')], { encoding: 'utf8' }).trim();
      expect(whiteout, "the second layer's /gone").toBe('character special file 0:0');
      const opaque = execFileSync(
        'getfattr',
        ['--absolute-names', '--only-values', '-n', 'trusted.overlay.opaque', join(third!, 'd')],
        { encoding: 'utf8' },
      );
      expect(opaque, "the xattr trusted.overlay.opaque on the third layer's /d").toBe('y');
      const leftovers = [second!, third!].flatMap((dir) =>
        readdirSync(dir, { recursive: true })
          .map(String)
          .filter((path) => path.split('/').some((part) => part.startsWith('.wh.'))),
      );
      expect(leftovers, '.wh. entries left in the layers').toEqual([]);
    },
  );
});
