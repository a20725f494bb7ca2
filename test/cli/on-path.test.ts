// The promise of `eval "$(npx lab env)"`: afterwards `lab` and `mydocker` are this project's, run by
// the project's Node 24 whatever `node` comes first on PATH (npm links no bins of the root package
// into node_modules/.bin, so that directory alone has neither).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';

let dir: string;
let fakeBin: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-on-path-'));
  // A machine whose own node is too old for the course: it must never be the one that runs the bins.
  fakeBin = join(dir, 'bin');
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, 'node'), '#!/bin/sh\necho "the machine\'s old node ran" >&2\nexit 99\n');
  chmodSync(join(fakeBin, 'node'), 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string) {
  const result = spawnSync('/bin/sh', ['-c', script], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: { HOME: dir, PATH: `${fakeBin}:/usr/bin:/bin`, LAB_PROGRESS_FILE: join(dir, 'progress.json') },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const env = `eval "$('${process.execPath}' bin/lab.js env)"`;

describe('lab and mydocker on PATH', { timeout: 60_000 }, () => {
  test('eval "$(lab env)" puts this project\'s lab and mydocker first on PATH', () => {
    expect(sh(`${env} && command -v lab && command -v mydocker`)).toEqual({
      code: 0,
      stdout: `${projectRoot}/bin/path/lab\n${projectRoot}/bin/path/mydocker\n`,
      stderr: '',
    });
  });

  test('after it, lab and mydocker run', () => {
    const { code, stdout, stderr } = sh(`${env} && lab list && mydocker --help`);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ 0 Set-up/);
    expect(stdout).toContain('Usage: mydocker COMMAND');
  });

  test("the bins on PATH use the project's Node, not the first node on PATH", () => {
    for (const bin of ['lab', 'mydocker']) {
      const { code, stderr } = sh(`bin/path/${bin} --help`);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    }
  });
});
