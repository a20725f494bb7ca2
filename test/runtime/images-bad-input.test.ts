// `mydocker image import` of what it must refuse: damaged archives, names it cannot take, and tars
// built to write outside the layer (../, absolute paths, a symbolic link then a file through it, hard
// links out). Each: one line, exit 125, the state root exactly as before (nothing half-made), and
// the files outside it untouched.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../scripts/build.mjs';
import { dockerSave, listing, mydocker, tar, temporaryDir, type TarEntry } from '../support/image-fixtures.ts';

const work = temporaryDir('images-bad-input');
const outside = join(work, 'outside');
const marker = join(outside, 'marker');
const populated = join(work, 'populated-root');
const files: Record<string, string> = {};

async function write(name: string, content: Buffer | Promise<Buffer>): Promise<string> {
  const file = join(work, name);
  writeFileSync(file, await content);
  return file;
}

const good: TarEntry[] = [
  { path: 'bin/', type: 'Directory' },
  { path: 'bin/tool', mode: 0o755, data: 'x'.repeat(3000) },
  { path: 'etc/', type: 'Directory' },
  { path: 'etc/passwd', data: 'root:x:0:0::/root:/bin/sh\n' },
];

beforeAll(async () => {
  await ensureBuilt('solutions');
  mkdirSync(outside);
  writeFileSync(marker, 'the original\n');
  const valid = await tar(good);
  files.valid = await write('valid.tar', valid);
  // Damaged: a header checksum broken, bytes that are no tar, cut in an entry, cut between entries.
  const broken = Buffer.from(valid);
  broken[520]! ^= 0xff; // inside the second header's name field
  files.checksum = await write('checksum.tar', broken);
  files.garbage = await write('garbage.tar', Buffer.from('this is not a tar archive, not even close\n'.repeat(40)));
  files.empty = await write('empty.tar', Buffer.alloc(0));
  files.truncated = await write('truncated.tar', valid.subarray(0, 512 * 3 + 100));
  files.cutBetween = await write('cut-between.tar', valid.subarray(0, 512 * 8)); // after bin/tool's 3000 bytes
  const gzipped = gzipSync(valid);
  files.truncatedGz = await write('truncated.tar.gz', gzipped.subarray(0, gzipped.length - 20));
  // Hostile.
  files.dotdot = await write(
    'dotdot.tar',
    tar([...good, { path: '../../outside/marker', data: 'overwritten\n' }, { path: 'etc/../../escape', data: 'x' }]),
  );
  files.absolute = await write('absolute.tar', tar([...good, { path: marker, data: 'overwritten\n' }]));
  files.symlinkThrough = await write(
    'symlink-through.tar',
    tar([
      ...good,
      { path: 'door', type: 'SymbolicLink', linkpath: outside },
      { path: 'door/marker', data: 'overwritten\n' },
    ]),
  );
  files.relativeSymlinkThrough = await write(
    'relative-symlink-through.tar',
    tar([
      ...good,
      { path: 'etc/up', type: 'SymbolicLink', linkpath: '../../../../../../../../..' },
      { path: `etc/up${outside}/new`, data: 'x' },
    ]),
  );
  files.hardlinkOut = await write(
    'hardlink-out.tar',
    tar([
      ...good,
      { path: 'etc/shadow', type: 'Link', linkpath: marker },
      { path: 'etc/shadow', data: 'overwritten\n' },
    ]),
  );
  files.hardlinkUp = await write(
    'hardlink-up.tar',
    tar([...good, { path: 'etc/shadow', type: 'Link', linkpath: '../../outside/marker' }]),
  );
  files.hardlinkThroughSymlink = await write(
    'hardlink-through-symlink.tar',
    tar([
      ...good,
      { path: 'door', type: 'SymbolicLink', linkpath: outside },
      { path: 'etc/shadow', type: 'Link', linkpath: 'door/marker' },
      { path: 'etc/shadow', data: 'overwritten\n' },
    ]),
  );
  // An image archive whose first layer is fine and whose second is hostile: the first goes again.
  files.secondLayerHostile = await dockerSave(
    join(work, 'second-layer.tar'),
    [await tar([...good, { path: 'unique', data: 'only here' }]), await tar([{ path: '/etc/x', data: 'x' }])],
    {},
  );
  // An image archive whose layer is not the one its config names.
  const otherLayer = await tar([{ path: 'other', data: 'other' }]);
  const damaged = await dockerSave(join(work, 'damaged-src.tar'), [otherLayer], {});
  files.wrongDiffId = await write(
    'wrong-diff-id.tar',
    swapLayer(readFileSync(damaged), otherLayer, await tar([{ path: 'other', data: 'OTHER' }])),
  );
  // A state root with an image in it already.
  const result = await mydocker(populated, ['image', 'import', files.valid, 'existing']);
  expect(result.exitCode).toBe(0);
}, 30_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The same archive with one layer's bytes replaced by others of the same length (the diff id then lies). */
function swapLayer(archive: Buffer, from: Buffer, to: Buffer): Buffer {
  expect(to.length).toBe(from.length);
  const at = archive.indexOf(from);
  expect(at).toBeGreaterThan(0);
  return Buffer.concat([archive.subarray(0, at), to, archive.subarray(at + from.length)]);
}

const cases: [string, () => string[], RegExp][] = [
  [
    'a header with a bad checksum',
    () => ['image', 'import', files.checksum!, 'x'],
    /cannot import '.*checksum\.tar': .*(checksum|not a valid tar)/,
  ],
  ['bytes that are not a tar', () => ['image', 'import', files.garbage!, 'x'], /cannot import '.*garbage\.tar'/],
  ['an empty file', () => ['image', 'import', files.empty!, 'x'], /cannot import '.*empty\.tar'/],
  [
    'a tar cut inside an entry',
    () => ['image', 'import', files.truncated!, 'x'],
    /cannot import '.*truncated\.tar': .*[Tt]runcated/,
  ],
  [
    'a tar cut between two entries',
    () => ['image', 'import', files.cutBetween!, 'x'],
    /cannot import '.*cut-between\.tar': .*truncated/,
  ],
  [
    'a cut gzip stream',
    () => ['image', 'import', files.truncatedGz!, 'x'],
    /cannot import '.*truncated\.tar\.gz': .*(unexpected end|truncated)/i,
  ],
  [
    'an entry with ../',
    () => ['image', 'import', files.dotdot!, 'x'],
    /entry path '\.\.\/\.\.\/outside\/marker' goes up with '\.\.'.*refusing the whole archive/,
  ],
  [
    'an absolute entry',
    () => ['image', 'import', files.absolute!, 'x'],
    /entry path '\/.*\/outside\/marker' is absolute/,
  ],
  [
    'a symbolic link, then a file through it',
    () => ['image', 'import', files.symlinkThrough!, 'x'],
    /entry 'door\/marker' goes through the symbolic link 'door'/,
  ],
  [
    'a relative symbolic link up, then a file through it',
    () => ['image', 'import', files.relativeSymlinkThrough!, 'x'],
    /goes through the symbolic link 'etc\/up'/,
  ],
  [
    'a hard link to an absolute path',
    () => ['image', 'import', files.hardlinkOut!, 'x'],
    /hard link target of 'etc\/shadow': '\/.*marker' is absolute/,
  ],
  [
    'a hard link up with ../',
    () => ['image', 'import', files.hardlinkUp!, 'x'],
    /hard link target of 'etc\/shadow': '\.\.\/\.\.\/outside\/marker' goes up/,
  ],
  [
    'a hard link through a symbolic link',
    () => ['image', 'import', files.hardlinkThroughSymlink!, 'x'],
    /entry 'door\/marker' goes through the symbolic link 'door'/,
  ],
  [
    'a hostile second layer (the first is removed again)',
    () => ['image', 'import', files.secondLayerHostile!, 'x'],
    /entry path '\/etc\/x' is absolute/,
  ],
  [
    'a layer that is not the one its config names',
    () => ['image', 'import', files.wrongDiffId!, 'x'],
    /does not match the diff id its config gives.*damaged/,
  ],
  ['the name a/../b', () => ['image', 'import', files.valid!, 'a/../b'], /invalid image name 'a\/\.\.\/b'/],
  ['an upper-case name', () => ['image', 'import', files.valid!, 'Busybox'], /invalid image name 'Busybox'/],
  ['the reserved name host', () => ['image', 'import', files.valid!, 'host'], /'host' is reserved/],
  [
    'a file that does not exist',
    () => ['image', 'import', join(work, 'missing.tar'), 'x'],
    /cannot import '.*missing\.tar': no such file/,
  ],
  ['a directory', () => ['image', 'import', work, 'x'], /cannot import '.*': not a file/],
  ['a missing name', () => ['image', 'import', files.valid!], /needs 2 arguments/],
  ['an unknown image subcommand', () => ['image', 'pull', 'x'], /unknown command 'image pull'/],
];

describe.each([
  ['a state root that does not exist yet', () => join(work, `fresh-${Math.random().toString(16).slice(2)}`)],
  ['a state root with an image', () => populated],
])('mydocker image import, into %s', (_, root) => {
  test.each(cases)('%s: one line, exit 125, nothing left behind', async (_, args, message) => {
    const state = root();
    const before = listing(state);
    const outsideBefore = listing(work).filter(
      (line) => !line.startsWith('fresh-') && !line.startsWith('populated-root'),
    );
    const result = await mydocker(state, args());
    expect(result.stderr).toMatch(/^mydocker: /);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(125);
    expect(listing(state)).toEqual(before);
    expect(listing(work).filter((line) => !line.startsWith('fresh-') && !line.startsWith('populated-root'))).toEqual(
      outsideBefore,
    );
    expect(readFileSync(marker, 'utf8')).toBe('the original\n');
  });
});
