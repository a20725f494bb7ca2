// V8's compile cache is pruned by the build (scripts/build/compile-cache.mjs): entries not read for
// KEEP_DAYS go, the ones in use stay, and a directory left empty (an old Node's) goes with them.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { KEEP_DAYS, pruneCompileCache } from '../../scripts/build/compile-cache.mjs';

const DAY = 24 * 60 * 60 * 1000;
const now = Date.parse('2026-12-01T12:00:00Z');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-compile-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An entry last read `daysAgo` days before `now` (atime), written long before (mtime). */
function entry(version: string, name: string, daysAgo: number): string {
  mkdirSync(join(dir, version), { recursive: true });
  const path = join(dir, version, name);
  writeFileSync(path, 'code');
  utimesSync(path, new Date(now - daysAgo * DAY), new Date(now - 400 * DAY));
  return path;
}

test('entries read within KEEP_DAYS stay, older ones and emptied directories go', () => {
  entry('v24.21.0-x64-964aae3f-0', '00e7dfe2', 0);
  entry('v24.21.0-x64-964aae3f-0', '028123fe', KEEP_DAYS - 1);
  entry('v24.21.0-x64-964aae3f-0', '02e3df5d', KEEP_DAYS + 1);
  entry('v24.9.0-x64-964aae3f-0', '00e7dfe2', 90);

  expect(pruneCompileCache(dir, now)).toBe(2);
  expect(readdirSync(dir)).toEqual(['v24.21.0-x64-964aae3f-0']);
  expect(readdirSync(join(dir, 'v24.21.0-x64-964aae3f-0')).sort()).toEqual(['00e7dfe2', '028123fe']);
});

test('no cache yet: nothing to do', () => {
  expect(pruneCompileCache(join(dir, 'missing'), now)).toBe(0);
  expect(existsSync(join(dir, 'missing'))).toBe(false);
});
