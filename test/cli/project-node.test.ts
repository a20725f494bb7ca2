// The bins run on any Node: an older one (Debian 12's Node 18, which its npm 9's `npx` uses) hands
// the run to the project's Node 24 in node_modules/.bin, and says what to do when there is none.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { projectRoot } from '../../cli/paths.ts';
import { linkProjectNode } from '../../scripts/setup.mjs';

const { MINIMUM_NODE, isTooOld } = createRequire(import.meta.url)('../../bin/project-node.cjs') as {
  MINIMUM_NODE: [number, number];
  isTooOld: (version: string) => boolean;
};

const dir = mkdtempSync(join(tmpdir(), 'lab-project-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A preload that makes this Node say it is Debian 12's: the bins then see an old Node. */
const pretendOld = join(dir, 'pretend-node-18.cjs');
writeFileSync(pretendOld, "Object.defineProperty(process.versions, 'node', { value: '18.20.4' });\n");

function runAsOldNode(bin: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--require', pretendOld, bin, ...args], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      LAB_PROGRESS_FILE: join(dir, 'progress.json'),
      ...env,
    },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the bins on an older Node', { timeout: 60_000 }, () => {
  test("the minimum is package.json's engines field", () => {
    const engines = (
      JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe(`>=${MINIMUM_NODE.join('.')}`);
  });

  test.each([
    ['18.20.4', true],
    ['20.20.2', true],
    ['22.14.0', true],
    ['22.15.0', false],
    ['24.9.0', false],
  ])('Node %s is too old: %s', (version, old) => {
    expect(isTooOld(version)).toBe(old);
  });

  test("lab hands the run to the project's Node", () => {
    expect(runAsOldNode(join(projectRoot, 'bin', 'lab.js'), ['env'])).toEqual({
      code: 0,
      stdout: `export PATH="${projectRoot}/bin/path:${projectRoot}/node_modules/.bin:$PATH"\n`,
      stderr: '',
    });
  });

  test("mydocker hands the run to the project's Node, and its exit code comes back", () => {
    const help = runAsOldNode(join(projectRoot, 'bin', 'mydocker.cjs'), ['--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: mydocker COMMAND');
    const bad = runAsOldNode(join(projectRoot, 'bin', 'mydocker.cjs'), ['frobnicate']);
    expect(bad.code).toBe(125);
  });

  test("without the project's Node (before npm install) each bin says what to do, in one line", () => {
    const bare = join(dir, 'bare');
    cpSync(join(projectRoot, 'bin'), join(bare, 'bin'), { recursive: true });
    for (const [bin, code] of [
      ['lab.js', 1],
      ['mydocker.cjs', 125],
    ] as const) {
      const result = runAsOldNode(join(bare, 'bin', bin), ['--help']);
      expect(result.code).toBe(code);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^(lab|mydocker): Node\.js 22\.15 or newer is needed, this is v18\.20\.4; run `npm install` in .+ \(it brings Node 24\)\n$/,
      );
    }
  });

  test("where npm linked no node into node_modules/.bin (npm 9), the registry package's binary serves", () => {
    const npm9 = join(dir, 'npm9');
    cpSync(join(projectRoot, 'bin'), join(npm9, 'bin'), { recursive: true });
    mkdirSync(join(npm9, 'node_modules', `node-linux-${process.arch}`, 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(npm9, 'node_modules', `node-linux-${process.arch}`, 'bin', 'node'));
    // bin/lab.js's own work needs the whole project: the hand-off alone is what is proved here.
    const result = runAsOldNode(join(npm9, 'bin', 'mydocker.cjs'), ['--version']);
    expect(result.stderr).not.toContain('Node.js 22.15 or newer is needed');
  });

  test('set-up makes the node_modules/.bin/node link that npm 9 leaves out, once', () => {
    const root = join(dir, 'setup');
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    mkdirSync(join(root, 'node_modules', `node-linux-${process.arch}`, 'bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules', `node-linux-${process.arch}`, 'bin', 'node'), '');
    linkProjectNode(root);
    linkProjectNode(root);
    expect(realpathSync(join(root, 'node_modules', '.bin', 'node'))).toBe(
      realpathSync(join(root, 'node_modules', `node-linux-${process.arch}`, 'bin', 'node')),
    );
  });
});
