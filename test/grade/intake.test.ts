// lab grade's intake, without the checker: what each command-line name is, tarballs refused or
// extracted, lab files read from a directory and from a git repository's HEAD, the digest, the roster.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { tarBuffer } from '../../scripts/build/tar.mjs';
import { readHeadLabFiles, cloneBundle } from '../../cli/grade/git-submission.ts';
import {
  labFileNotes,
  labFilesDigest,
  readDirectoryLabFiles,
  SubmissionUnreadable,
} from '../../cli/grade/lab-files.ts';
import { compareWithRoster, parseRoster } from '../../cli/grade/roster.ts';
import { findSubmissions, learnerIdOf } from '../../cli/grade/submissions.ts';
import { extractTarball, refusal } from '../../cli/grade/tarball.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-grade-intake-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const FILES = ['src/a.ts', 'src/b.ts'];

describe('names on the command line', () => {
  test('learner ids drop the extensions of tarballs, bundles and bare repositories', () => {
    expect(
      ['x/alice.tar.gz', 'bob.tgz', 'carol.tar', 'dave.bundle', 'erin.git', 'frank/', 'g.v2'].map(learnerIdOf),
    ).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'g.v2']);
  });

  test('a class directory holds one submission per entry, in name order; a stray file is passed over', () => {
    const klass = join(dir, 'class');
    write(join(klass, 'zed', 'labs', 'src', 'a.ts'), 'z');
    write(join(klass, 'amy', 'labs', 'src', 'a.ts'), 'a');
    write(join(klass, 'bea.tgz'), '');
    write(join(klass, 'cy.bundle'), '');
    write(join(klass, 'roster.txt'), 'amy\n');
    mkdirSync(join(klass, 'dan', 'notes'), { recursive: true });
    mkdirSync(join(klass, 'eve', '.git'), { recursive: true });
    const intake = findSubmissions(['class'], dir);
    expect(intake.found.map((s) => [s.learner, s.kind, s.source])).toEqual([
      ['amy', 'directory', 'class/amy'],
      ['bea', 'tarball', 'class/bea.tgz'],
      ['cy', 'bundle', 'class/cy.bundle'],
      ['eve', 'git', 'class/eve'],
      ['zed', 'directory', 'class/zed'],
    ]);
    expect(intake.bad).toEqual([
      { learner: 'dan', source: 'class/dan', problem: expect.stringMatching(/no labs\/.*not a clone of this course/) },
    ]);
    expect(intake.warnings).toEqual(['class/roster.txt is passed over: not a directory, a git bundle or a tarball']);
  });

  test('a path that does not exist, or a file of another kind, is one line; a second submission of a learner is left out', () => {
    write(join(dir, 'notes.zip'), 'x');
    write(join(dir, 'one', 'amy', 'labs', 'src', 'a.ts'), '1');
    write(join(dir, 'two', 'amy.tar'), '');
    const intake = findSubmissions(['nowhere/bob', 'notes.zip', 'one/amy', 'two/amy.tar'], dir);
    expect(intake.bad.map((b) => b.problem)).toEqual([
      'nowhere/bob does not exist: check the path',
      'notes.zip is not a directory, a git bundle (.bundle) or a tarball (.tar, .tar.gz, .tgz)',
    ]);
    expect(intake.found.map((s) => s.source)).toEqual(['one/amy']);
    expect(intake.warnings).toEqual([
      "two submissions of learner 'amy' (one/amy and two/amy.tar): two/amy.tar is left out",
    ]);
  });
});

describe('tarballs', () => {
  test.each([
    [{ path: '/etc/passwd', type: 'File' }, /absolute path/],
    [{ path: 'labs/../../x', type: 'File' }, /leaves it/],
    [{ path: 'labs/l', type: 'SymbolicLink', linkpath: '../../etc' }, /link that leaves it/],
    [{ path: 'labs/l', type: 'SymbolicLink', linkpath: '/etc/shadow' }, /link that leaves it/],
    [{ path: 'labs/h', type: 'Link', linkpath: '../outside' }, /link that leaves it/],
    [{ path: 'dev/null', type: 'CharacterDevice' }, /device/],
    [{ path: 'labs/fifo', type: 'FIFO' }, /FIFO/],
  ])('%o is refused', (entry, why) => {
    expect(refusal(entry)).toMatch(why);
  });

  test.each([
    { path: 'labs/src/a.ts', type: 'File' },
    { path: 'labs/l', type: 'SymbolicLink', linkpath: 'src/a.ts' },
    { path: 'labs/src/l', type: 'SymbolicLink', linkpath: '../../README.md' },
  ])('%o may be extracted', (entry) => {
    expect(refusal(entry)).toBeUndefined();
  });

  test('a hostile archive is refused whole, before anything is written', async () => {
    const file = join(dir, 'bad.tar');
    writeFileSync(
      file,
      await tarBuffer([
        { path: 'amy/labs/src/a.ts', data: 'a' },
        { path: 'amy/labs/x', type: 'SymbolicLink', linkpath: '/etc/shadow' },
      ]),
    );
    await expect(extractTarball(file, join(dir, 'out'))).rejects.toThrow(
      /link that leaves it \(amy\/labs\/x -> \/etc\/shadow\)/,
    );
    expect(() => readFileSync(join(dir, 'out', 'labs', 'src', 'a.ts'))).toThrow();
  });

  test('one top directory is stripped; the files are extracted; a link inside is not', async () => {
    const file = join(dir, 'amy.tgz');
    writeFileSync(
      file,
      gzipSync(
        await tarBuffer([
          { path: 'amy/', type: 'Directory' },
          { path: 'amy/labs/src/a.ts', data: 'mine' },
          { path: 'amy/labs/src/b.ts', type: 'SymbolicLink', linkpath: 'a.ts' },
        ]),
      ),
    );
    const root = await extractTarball(file, join(dir, 'out'));
    expect(readFileSync(join(root, 'labs', 'src', 'a.ts'), 'utf8')).toBe('mine');
    expect(readDirectoryLabFiles(root, FILES).get('src/b.ts')).toEqual({ missing: 'missing' });
  });

  test('an archive whose top level is labs/ keeps it', async () => {
    const file = join(dir, 'amy.tar');
    writeFileSync(file, await tarBuffer([{ path: 'labs/src/a.ts', data: 'top' }]));
    const root = await extractTarball(file, join(dir, 'out'));
    expect(readFileSync(join(root, 'labs', 'src', 'a.ts'), 'utf8')).toBe('top');
  });

  test('an empty file, an archive of no entries and a corrupt one are each one line', async () => {
    writeFileSync(join(dir, 'zero.tgz'), '');
    writeFileSync(join(dir, 'none.tar'), await tarBuffer([]));
    writeFileSync(join(dir, 'none.tgz'), gzipSync(await tarBuffer([])));
    writeFileSync(join(dir, 'junk.tgz'), Buffer.from('this is not a tarball at all, '.repeat(40)));
    writeFileSync(
      join(dir, 'cut.tgz'),
      gzipSync(await tarBuffer([{ path: 'labs/src/a.ts', data: 'x'.repeat(5000) }])).subarray(0, 60),
    );
    for (const name of ['zero.tgz', 'none.tar', 'none.tgz']) {
      await expect(extractTarball(join(dir, name), join(dir, `out-${name}`))).rejects.toThrow('the tarball is empty');
    }
    for (const name of ['junk.tgz', 'cut.tgz']) {
      await expect(extractTarball(join(dir, name), join(dir, `out-${name}`))).rejects.toThrow(
        /^it is not a readable tarball \(.+\)$/,
      );
    }
  });
});

describe('lab files', () => {
  test('from a directory: regular files only; a link, a directory or a missing file leaves the stub, with a note', () => {
    write(join(dir, 'labs', 'src', 'a.ts'), 'A');
    symlinkSync('/etc/hostname', join(dir, 'labs', 'src', 'b.ts'));
    const reads = readDirectoryLabFiles(dir, [...FILES, 'src/c.ts']);
    expect(reads.get('src/a.ts')).toEqual({ content: Buffer.from('A') });
    expect(labFileNotes(reads)).toEqual([
      'labs/src/b.ts is a symbolic link: its stub was graded',
      'labs/src/c.ts was missing: its stub was graded',
    ]);
  });

  test('the digest changes with a file and with its absence, and only with the lab files', () => {
    write(join(dir, 'one', 'labs', 'src', 'a.ts'), 'A');
    write(join(dir, 'one', 'labs', 'src', 'b.ts'), 'B');
    write(join(dir, 'two', 'labs', 'src', 'a.ts'), 'A');
    write(join(dir, 'two', 'labs', 'src', 'b.ts'), 'B');
    write(join(dir, 'two', 'labs', 'src', 'scaffolding.ts'), 'edited');
    const digest = (name: string): string => labFilesDigest(readDirectoryLabFiles(join(dir, name), FILES));
    expect(digest('one')).toBe(digest('two'));
    write(join(dir, 'two', 'labs', 'src', 'b.ts'), 'B2');
    expect(digest('two')).not.toBe(digest('one'));
    rmSync(join(dir, 'two', 'labs', 'src', 'b.ts'));
    write(join(dir, 'three', 'labs', 'src', 'a.ts'), 'A');
    write(join(dir, 'three', 'labs', 'src', 'b.ts'), '');
    expect(digest('two')).not.toBe(digest('three'));
  });

  test("from a git repository: HEAD's files, not the work tree's; a bundle the same; no labs/ is unreadable", async () => {
    const repo = join(dir, 'repo');
    write(join(repo, 'labs', 'src', 'a.ts'), 'committed');
    git(dir, 'init', '-q', repo);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'one');
    writeFileSync(join(repo, 'labs', 'src', 'a.ts'), 'uncommitted');
    write(join(repo, 'labs', 'src', 'b.ts'), 'untracked');
    const reads = await readHeadLabFiles(join(repo, '.git'), FILES, 1024);
    expect(reads.get('src/a.ts')).toEqual({ content: Buffer.from('committed') });
    expect(reads.get('src/b.ts')).toEqual({ missing: 'missing' });

    git(repo, 'bundle', 'create', '-q', join(dir, 'repo.bundle'), 'HEAD');
    await cloneBundle(join(dir, 'repo.bundle'), join(dir, 'clone.git'));
    expect((await readHeadLabFiles(join(dir, 'clone.git'), FILES, 1024)).get('src/a.ts')).toEqual({
      content: Buffer.from('committed'),
    });

    writeFileSync(join(dir, 'junk.bundle'), 'not a bundle');
    await expect(cloneBundle(join(dir, 'junk.bundle'), join(dir, 'junk.git'))).rejects.toThrow(
      /^it is not a readable git bundle/,
    );

    const other = join(dir, 'other');
    write(join(other, 'README.md'), 'another project');
    git(dir, 'init', '-q', other);
    git(other, 'add', '.');
    git(other, 'commit', '-qm', 'one');
    await expect(readHeadLabFiles(join(other, '.git'), FILES, 1024)).rejects.toThrow(
      new SubmissionUnreadable('no labs/ in its HEAD: not a clone of this course'),
    );
    const empty = join(dir, 'empty');
    git(dir, 'init', '-q', empty);
    await expect(readHeadLabFiles(join(empty, '.git'), FILES, 1024)).rejects.toThrow(/its HEAD cannot be read/);
  });
});

describe('the roster', () => {
  test('one id a line, comments and blank lines ignored, each once', () => {
    expect(parseRoster('# class of 2026\namy\n\n  bob  # late\r\namy\n')).toEqual(['amy', 'bob']);
  });

  test('who is missing, who is not listed', () => {
    expect(compareWithRoster(['amy', 'bob'], ['bob', 'cy'])).toEqual({ missing: ['amy'], unlisted: ['cy'] });
  });
});
