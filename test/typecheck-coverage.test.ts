// Every source file the project tracks is in the type-checked program (tsconfig.json, checkJs): no
// JavaScript beside it that `npm run typecheck` never reads, as vm/ and scripts/ once were.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';
import { projectRoot } from '../scripts/build/paths.mjs';

test('tsconfig.json takes in every tracked .ts, .tsx, .js, .mjs and .cjs file, and checks the JavaScript', () => {
  const configFile = join(projectRoot, 'tsconfig.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, projectRoot, undefined, configFile);
  expect(parsed.options.checkJs).toBe(true);
  const inProgram = new Set(parsed.fileNames.map((file) => file.slice(projectRoot.length + 1)));
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: projectRoot, encoding: 'utf8' })
    .split('\0')
    .filter((file) => /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(file));
  expect(tracked.length).toBeGreaterThan(100);
  expect(tracked.filter((file) => !inProgram.has(file))).toEqual([]);
});
