// `lab check` when the run itself fails after the screen is up (here: no temporary directory for the
// results file): one line on stderr and exit 1, at once. The screen's spinner once kept the process
// alive for ever after the error was printed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';

const root = process.platform === 'linux' && process.getuid?.() === 0;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-check-errors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.skipIf(!root)('a run that cannot start ends the screen and exits 1 with one line', { timeout: 30_000 }, () => {
  const result = spawnSync(process.execPath, [join(projectRoot, 'bin', 'lab.js'), 'check', 'ch1-proc'], {
    encoding: 'utf8',
    env: { ...process.env, LAB_PROGRESS_FILE: join(dir, 'progress.json'), TMPDIR: join(dir, 'missing') },
    timeout: 20_000,
  });
  expect(result.signal, 'lab check was still running after 20 s').toBeNull();
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^lab: ENOENT: no such file or directory, mkdtemp '.*\/missing\/lab-check-XXXXXX'\n$/);
});
