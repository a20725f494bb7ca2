// The escapes of chapter 7, as a container would try them: small static C programs in
// chapters/07-hardening/escapes/<name>.c, compiled once per checker process (gcc -static, like
// chapter 3's breakout) and imported as the image `escapes`: busybox, and /escape/<name> for each.
// A program only writes where its arguments say: a marker directory the check owns and removes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeRun } from './expect.ts';
import type { Mydocker } from './mydocker.ts';
import { PROJECT_ROOT } from './target.ts';
import { staticProgram } from './programs.ts';

const ESCAPES_DIR = join(PROJECT_ROOT, 'chapters', '07-hardening', 'escapes');

/** Imports the image `escapes` into this runtime's state root (once per Mydocker) and returns its name. */
export async function importEscapesImage(mydocker: Mydocker): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), `mydocker-check-${process.pid}-escapes-`));
  try {
    const root = join(work, 'root');
    for (const dir of ['proc', 'sys', 'dev', 'etc', 'tmp', 'bin', 'escape'])
      mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['etc/hostname', 'etc/hosts', 'etc/resolv.conf']) writeFileSync(join(root, file), '');
    execFileSync('cp', ['/bin/busybox', join(root, 'bin', 'busybox')]);
    for (const applet of ['sh', 'cat', 'ls', 'mount', 'mkdir', 'echo', 'mknod', 'id', 'sleep', 'true'])
      symlinkSync('busybox', join(root, 'bin', applet));
    for (const source of readdirSync(ESCAPES_DIR).filter((name) => name.endsWith('.c'))) {
      const program = staticProgram(`chapters/07-hardening/escapes/${source}`);
      execFileSync('cp', [program, join(root, 'escape', source.slice(0, -2))]);
    }
    execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', join(work, 'escapes.tar'), '.']);
    const result = await mydocker.run(['image', 'import', join(work, 'escapes.tar'), 'escapes']);
    expect(result.exitCode, `importing the check's own image 'escapes'\n${describeRun(result)}`).toBe(0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return 'escapes';
}
