// `lab watch` given what it cannot watch: one line on stderr and exit 1 (2 for a wrong command line),
// before anything is drawn or started.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';

const root = process.platform === 'linux' && process.getuid?.() === 0;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-watch-errors-'));
  mkdirSync(join(dir, 'tree', 'src'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lab(args: string[], env: Record<string, string> = {}, prefix: string[] = []) {
  const command = [...prefix, process.execPath, join(projectRoot, 'bin', 'lab.js'), ...args];
  return spawnSync(command[0]!, command.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, LAB_PROGRESS_FILE: join(dir, 'progress.json'), ...env },
    timeout: 20_000,
  });
}

test.skipIf(!root)('a lab whose file is not in the tree: one line naming the file', () => {
  const tree = join(dir, 'tree');
  const result = lab(['watch', 'ch1-namespaces'], { MYDOCKER_SOURCE: tree });
  expect(result.stderr).toBe(`lab: lab ch1-namespaces's file ${tree}/src/container/namespaces.ts does not exist\n`);
  expect(result.status).toBe(1);
});

test.skipIf(!root)('not on a terminal: one line that says what to use instead', () => {
  const result = lab(['watch', 'ch1-namespaces', '--solutions']);
  expect(result.stderr).toBe(
    'lab: lab watch needs a terminal (it redraws the screen and reads keys): in a script, use `lab check`\n',
  );
  expect(result.status).toBe(1);
});

test('an unknown lab: the line every command gives, exit 2', () => {
  const result = lab(['watch', 'ch9-nothing']);
  expect(result.stderr).toBe("lab: unknown lab 'ch9-nothing'; `lab list` shows the ids\n");
  expect(result.status).toBe(2);
});

test.skipIf(!root)('not root: the same line as lab check', () => {
  const nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  const watch = lab(['watch', 'ch1-namespaces'], {}, nobody);
  const check = lab(['check', 'ch1-namespaces'], {}, nobody);
  expect(watch.stderr).toMatch(/^lab: the checks need root on Linux .*\n$/);
  expect(watch.stderr).toBe(check.stderr);
  expect(watch.status).toBe(1);
});
