// bin/lab.js end to end: the launcher, the entry's one-line errors and exit codes. (The first run
// may build .lab/build/lab, hence the timeout.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-bin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'lab.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, LAB_PROGRESS_FILE: join(dir, 'progress.json'), MYDOCKER_SOURCE: '' },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/lab.js', { timeout: 60_000 }, () => {
  test('env prints the PATH line', () => {
    expect(lab('env')).toEqual({
      code: 0,
      stdout: `export PATH="${projectRoot}/bin/path:${projectRoot}/node_modules/.bin:$PATH"\n`,
      stderr: '',
    });
  });

  test('an unknown lab is one line on stderr, exit 2', () => {
    for (const command of ['check', 'hint', 'solution', 'reset']) {
      expect(lab(command, 'ch9-nope')).toEqual({
        code: 2,
        stdout: '',
        stderr: "lab: unknown lab 'ch9-nope'; `lab list` shows the ids\n",
      });
    }
  });

  test('an unknown command or option is one line too, exit 2', () => {
    expect(lab('frobnicate')).toMatchObject({ code: 2, stderr: "lab: unknown command 'frobnicate'\n" });
    expect(lab('list', '--frob')).toMatchObject({ code: 2, stderr: "lab: unknown option '--frob'\n" });
  });

  test('solution refuses a lab that has not passed, exit 1', () => {
    expect(lab('solution', 'ch1-proc')).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/^lab: ch1-proc has not passed yet.*\n$/),
    });
  });

  test('list prints the course', () => {
    const { code, stdout } = lab('list');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ 0 Set-up/);
    expect(stdout).toMatch(/\n\d+ of \d+ labs done\n$/);
  });

  test('a reader that goes away (`lab next | head -1`) ends lab quietly, as SIGPIPE would', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'lab.js'), 'next'], {
      env: { ...process.env, LAB_PROGRESS_FILE: join(dir, 'progress.json'), MYDOCKER_SOURCE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reading end is closed in this tick, long before the child's Node has started: its first
    // write meets EPIPE, whatever the machine's load.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 141, stderr: '' });
  });
});
