// --userns remap's copies of the layers (rootfs/remapped.ts), on real files (root): every owner
// shifted into the range and nothing else changed (modes with set-user-ID, symlinks not followed,
// overlayfs's whiteouts and opaque xattrs), made once and shared, and gone with their layer.
import {
  chmodSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { getXattr, makeWhiteout, setXattr } from '../../solutions/src/libc.ts';
import { ensureRemapped, idShiftOf, removeRemappedLayer } from '../../solutions/src/rootfs/remapped.ts';

const isRoot = process.getuid?.() === 0;
const root = mkdtempSync(join(tmpdir(), 'mydocker-remapped-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.runIf(isRoot)('the layer copies of --userns remap (root)', () => {
  const shift = idShiftOf(
    [{ inside: 0, outside: 100_000, count: 65_536 }],
    [{ inside: 0, outside: 200_000, count: 65_536 }],
  );

  test("the shift is the range of the container's root", () => {
    expect(shift).toEqual({ uid: 100_000, gid: 200_000, count: 65_536 });
  });

  test('owners shifted, everything else as it was; made once; removed with its layer', () => {
    const layer = join(root, 'layers', 'abc');
    mkdirSync(join(layer, 'etc', 'opaque'), { recursive: true });
    writeFileSync(join(layer, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n', { mode: 0o644 });
    writeFileSync(join(layer, 'su'), '', { mode: 0o755 });
    lchownSync(join(layer, 'su'), 0, 0);
    chmodSync(join(layer, 'su'), 0o4755);
    writeFileSync(join(layer, 'games'), '');
    lchownSync(join(layer, 'games'), 5, 60);
    writeFileSync(join(layer, 'beyond'), '');
    lchownSync(join(layer, 'beyond'), 70_000, 70_000); // outside the range: stays as it is
    symlinkSync('/etc/passwd', join(layer, 'link'));
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'file'), '');
    symlinkSync(outside, join(layer, 'dirlink')); // as an image's lib -> /usr/lib
    makeWhiteout(join(layer, 'gone'));
    setXattr(join(layer, 'etc', 'opaque'), 'trusted.overlay.opaque', 'y');

    const copy = ensureRemapped(root, shift, layer, 'layers/abc');
    expect(copy).toBe(join(root, 'remapped', '100000-200000', 'layers', 'abc'));
    const owner = (name: string): [number, number] => {
      const entry = lstatSync(join(copy, name));
      return [entry.uid, entry.gid];
    };
    expect(owner('.')).toEqual([100_000, 200_000]);
    expect(owner('etc/passwd')).toEqual([100_000, 200_000]);
    expect(owner('games')).toEqual([100_005, 200_060]);
    expect(owner('beyond')).toEqual([70_000, 70_000]);
    expect(owner('link')).toEqual([100_000, 200_000]);
    expect(lstatSync(join(copy, 'su')).mode & 0o7777, 'set-user-ID kept').toBe(0o4755);
    expect(readlinkSync(join(copy, 'link')), 'the symlink, not its target').toBe('/etc/passwd');
    expect(lstatSync('/etc/passwd').uid, "the symlink's target on the host").toBe(0);
    expect(
      [lstatSync(outside).uid, lstatSync(join(outside, 'file')).uid],
      "a directory a symlink points to, and its file: the host's, not chowned",
    ).toEqual([0, 0]);
    expect([lstatSync(join(copy, 'gone')).isCharacterDevice(), lstatSync(join(copy, 'gone')).rdev]).toEqual([true, 0]);
    expect(getXattr(join(copy, 'etc', 'opaque'), 'trusted.overlay.opaque')).toBe('y');
    expect(lstatSync(join(layer, 'etc', 'passwd')).uid, 'the original').toBe(0);

    writeFileSync(join(copy, 'marker'), '');
    expect(ensureRemapped(root, shift, layer, 'layers/abc'), 'a second time: the same copy').toBe(copy);
    expect(lstatSync(join(copy, 'marker')).isFile(), 'not made again').toBe(true);

    removeRemappedLayer(root, 'abc');
    expect(() => lstatSync(copy)).toThrow(/ENOENT/);
  });

  test('a copy that fails leaves nothing half-made', () => {
    expect(() => ensureRemapped(root, shift, join(root, 'no-such-layer'), 'layers/none')).toThrow(
      /^cannot copy .*no-such-layer for --userns remap: /,
    );
    expect(() => lstatSync(join(root, 'remapped', '100000-200000', 'layers', 'none'))).toThrow(/ENOENT/);
    expect(readdirSync(join(root, 'remapped', '100000-200000', 'layers')), 'what the failed copy left').toEqual([]);
  });
});
