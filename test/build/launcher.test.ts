// bin/mydocker.cjs rebuilds the runtime when any source file is newer than its bundle, however deep
// (a learner's edit in src/state/ counts as much as one in src/), and otherwise starts the bundle as
// it is. Its walk of the sources is written for what it allocates (see newestUnder there).
import { cpSync, mkdtempSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, expect, test } from 'vitest';
import { bundlePath, projectRoot } from '../../scripts/build.mjs';

const work = mkdtempSync(join(tmpdir(), 'mydocker-launcher-'));
const tree = join(work, 'tree');
cpSync(join(projectRoot, 'solutions', 'src'), join(tree, 'src'), { recursive: true });
afterAll(() => {
  rmSync(dirname(bundlePath(tree)), { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const help = () =>
  execa(process.execPath, [join(projectRoot, 'bin', 'mydocker.cjs'), '--help'], {
    env: { MYDOCKER_SOURCE: tree },
    reject: false,
  });
const built = () => statSync(bundlePath(tree)).mtimeMs;

test('an edit in a nested directory rebuilds; no edit, no rebuild', { timeout: 60_000 }, async () => {
  expect((await help()).exitCode).toBe(0);
  const first = built();
  expect((await help()).exitCode).toBe(0);
  expect(built(), 'nothing changed: the same bundle').toBe(first);
  const later = new Date(first + 5_000);
  utimesSync(join(tree, 'src', 'state', 'reconcile.ts'), later, later);
  const result = await help();
  expect(result.exitCode).toBe(0);
  expect(built(), 'src/state/reconcile.ts is newer than the bundle: rebuilt').toBeGreaterThan(first);
});
