// The pure parts of the image store: what a layer entry means (whiteouts, the lesson of
// ch4-whiteouts), which image names are valid, which entries a layer may write, docker's table.
import { describe, expect, test } from 'vitest';
import { whiteoutMark } from '../../solutions/src/images/whiteouts.ts';
import { parseReference } from '../../solutions/src/images/reference.ts';
import { LayerPaths, normalizeEntryPath } from '../../solutions/src/images/layer-paths.ts';
import { archivePath, inImageArchive, resolveInArchive } from '../../solutions/src/images/archive.ts';
import { humanAge, humanSize, imagesTable } from '../../solutions/src/commands/images.ts';
import { UsageError } from '../../solutions/src/errors.ts';

describe('whiteoutMark', () => {
  test.each([
    ['etc/.wh.motd', { kind: 'whiteout', hides: 'etc/motd' }],
    ['./etc/.wh.motd', { kind: 'whiteout', hides: 'etc/motd' }],
    ['.wh.motd', { kind: 'whiteout', hides: 'motd' }],
    ['./.wh.motd', { kind: 'whiteout', hides: 'motd' }],
    ['a/b/.wh..hidden', { kind: 'whiteout', hides: 'a/b/.hidden' }],
    ['a/b/.wh.dir/', { kind: 'whiteout', hides: 'a/b/dir' }],
    ['usr/share/.wh..wh..opq', { kind: 'opaque', directory: 'usr/share' }],
    ['./usr/share/.wh..wh..opq', { kind: 'opaque', directory: 'usr/share' }],
    ['.wh..wh..opq', { kind: 'opaque', directory: '.' }],
    ['./.wh..wh..opq', { kind: 'opaque', directory: '.' }],
  ])('%s is a mark', (path, mark) => {
    expect(whiteoutMark(path)).toEqual(mark);
  });

  test.each([
    'etc/motd',
    'etc/x.wh.y',
    'etc/wh.motd',
    'etc/.whmotd',
    '.wh.dir/file',
    'a/.wh.dir/b',
    'a/.wh..wh..opq/b',
    'etc/',
    './',
    '.',
    'etc/.wh.',
    'etc/.wh..',
    '.wh..wh.plnk',
  ])('%s is an ordinary entry', (path) => {
    expect(whiteoutMark(path)).toBeUndefined();
  });
});

describe('parseReference', () => {
  test.each([
    ['busybox', 'busybox', 'latest'],
    ['busybox:1.36', 'busybox', '1.36'],
    ['library/busybox', 'library/busybox', 'latest'],
    ['example.com/team/app:v1.0-rc_2', 'example.com/team/app', 'v1.0-rc_2'],
    ['localhost:5000/app', 'localhost:5000/app', 'latest'],
    ['localhost:5000/app:tag', 'localhost:5000/app', 'tag'],
    ['a-b__c/d.e--f', 'a-b__c/d.e--f', 'latest'],
    ['hostname', 'hostname', 'latest'],
  ])('%s', (given, repository, tag) => {
    expect(parseReference(given)).toEqual({ repository, tag, name: `${repository}:${tag}` });
  });

  test.each([
    ['a/../b', /'\.\.' is not a valid name component/],
    ['', /is empty/],
    ['Busybox', /'Busybox' is not a valid name component/],
    ['a//b', /empty component/],
    ['/abs', /empty component/],
    ['a/', /empty component/],
    ['a:', /'' is not a valid tag/],
    ['a:-x', /not a valid tag/],
    [`a:${'t'.repeat(129)}`, /not a valid tag/],
    ['a_-b', /not a valid name component/],
    ['a@sha256:abc', /'sha256:abc' is not a digest/],
    ['a@', /'' is not a digest/],
    [`a:@sha256:${'0'.repeat(64)}`, /'' is not a valid tag/],
    ['bad_host:5000/app', /'bad_host:5000' is not a valid registry host/],
    ['a.b_c/d', /not a valid registry host/],
    ['host', /'host' is reserved/],
    ['host:latest', /'host' is reserved/],
    ['host:1', /'host' is reserved/],
  ])('%j is refused', (given, message) => {
    expect(() => parseReference(given)).toThrow(UsageError);
    expect(() => parseReference(given)).toThrow(message);
  });
});

describe('LayerPaths', () => {
  test('normalizes, and refuses absolute paths and ..', () => {
    expect(normalizeEntryPath('./a//b/')).toBe('a/b');
    expect(normalizeEntryPath('a/b')).toBe('a/b');
    expect(normalizeEntryPath('./')).toBe('.');
    expect(normalizeEntryPath('a/..b')).toBe('a/..b');
    expect(() => normalizeEntryPath('/etc/passwd')).toThrow(/absolute/);
    expect(() => normalizeEntryPath('../x')).toThrow(/'\.\.'/);
    expect(() => normalizeEntryPath('a/../../x')).toThrow(/'\.\.'/);
  });

  test('a symbolic link, then an entry through it, is refused; a symlink to anywhere is fine', () => {
    const paths = new LayerPaths();
    expect(paths.admit('SymbolicLink', 'etc/localtime', '/usr/share/zoneinfo/UTC')).toEqual({
      kind: 'write',
      path: 'etc/localtime',
    });
    expect(paths.admit('SymbolicLink', 'escape', '../../..')).toEqual({ kind: 'write', path: 'escape' });
    expect(() => paths.admit('File', 'escape/etc/cron.d/x')).toThrow(/symbolic link 'escape'/);
    expect(() => paths.admit('Directory', './escape/')).not.toThrow(); // replaces the link itself
    expect(paths.admit('File', 'escape/x')).toEqual({ kind: 'write', path: 'escape/x' });
  });

  test('hard links stay inside, and a hard link to a symbolic link is one more symbolic link', () => {
    const paths = new LayerPaths();
    expect(() => paths.admit('Link', 'x', '/etc/passwd')).toThrow(/absolute/);
    expect(() => paths.admit('Link', 'x', '../etc/passwd')).toThrow(/'\.\.'/);
    paths.admit('SymbolicLink', 'root', '/');
    expect(() => paths.admit('Link', 'x', 'root/etc/passwd')).toThrow(/symbolic link 'root'/);
    expect(paths.admit('Link', 'alias', './root')).toEqual({ kind: 'write', path: 'alias', linkpath: 'root' });
    expect(() => paths.admit('File', 'alias/etc/passwd')).toThrow(/symbolic link 'alias'/);
  });

  test('marks, skipped devices, and types it does not know', () => {
    const paths = new LayerPaths();
    expect(paths.admit('File', 'a/.wh.b')).toEqual({ kind: 'mark', mark: { kind: 'whiteout', hides: 'a/b' } });
    expect(paths.admit('CharacterDevice', 'dev/null')).toEqual({ kind: 'skip' });
    expect(paths.admit('File', '.wh..wh.plnk/123.456')).toEqual({ kind: 'skip' });
    expect(() => paths.admit('SparseFile', 'x')).toThrow(/type this import does not know/);
    paths.admit('SymbolicLink', 'l', '/');
    expect(() => paths.admit('File', 'l/.wh.x')).toThrow(/symbolic link 'l'/);
  });
});

describe('the outer archive', () => {
  test('which entries belong to an image archive', () => {
    expect(inImageArchive('', 'Directory')).toBe(true);
    expect(inImageArchive('manifest.json', 'File')).toBe(true);
    expect(inImageArchive('blobs/sha256/' + 'a'.repeat(64), 'File')).toBe(true);
    expect(inImageArchive(`${'a'.repeat(64)}/layer.tar`, 'SymbolicLink')).toBe(true);
    expect(inImageArchive('bin', 'Directory')).toBe(false);
    expect(inImageArchive('etc/passwd', 'File')).toBe(false);
    expect(archivePath('./a/b/')).toBe('a/b');
    expect(archivePath('../a')).toBeUndefined();
  });

  test('links are followed inside the archive, never out of it', () => {
    const entries = new Map([
      ['x.tar', { type: 'File', size: 1 }],
      ['id/layer.tar', { type: 'SymbolicLink', linkpath: '../x.tar', size: 0 }],
      ['hard', { type: 'Link', linkpath: 'id/layer.tar', size: 0 }],
      ['out', { type: 'SymbolicLink', linkpath: '../../etc/passwd', size: 0 }],
      ['loop', { type: 'SymbolicLink', linkpath: 'loop', size: 0 }],
    ]);
    expect(resolveInArchive(entries, 'id/layer.tar')).toBe('x.tar');
    expect(resolveInArchive(entries, './hard')).toBe('x.tar');
    expect(() => resolveInArchive(entries, 'out')).toThrow(/leads nowhere/);
    expect(() => resolveInArchive(entries, 'loop')).toThrow(/leads nowhere/);
  });
});

describe('mydocker images output', () => {
  test('sizes and ages as docker prints them', () => {
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(4_261_000)).toBe('4.26MB');
    expect(humanSize(1_000_000_000)).toBe('1GB');
    expect(humanAge(500)).toBe('Less than a second ago');
    expect(humanAge(45_000)).toBe('45 seconds ago');
    expect(humanAge(3 * 3600_000)).toBe('3 hours ago');
    expect(humanAge(10 * 86400_000)).toBe('10 days ago');
  });

  test('the table', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    const image = {
      name: 'example.com:5000/app:v1',
      id: 'ab'.repeat(32),
      created: '2026-11-23T11:00:00Z',
      layers: [],
      config: { env: [], cmd: [], entrypoint: [], workingDir: '' },
    };
    expect(imagesTable([image], () => 2_135_552, now)).toBe(
      'REPOSITORY             TAG   IMAGE ID       CREATED             SIZE\n' +
        'example.com:5000/app   v1    abababababab   About an hour ago   2.14MB\n',
    );
  });
});
