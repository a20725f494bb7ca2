// writeFileAtomically (src/write-atomically.ts): a new file whole, an old one replaced by a rename,
// never rewritten in place, and no temporary file left beside it.
import { linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { writeFileAtomically } from '../../solutions/src/write-atomically.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mydocker-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a new file has the contents and the mode, and nothing else is left in its directory', () => {
  const file = join(dir, 'busybox%3Alatest.json');
  writeFileAtomically(file, '{"name":"busybox:latest"}\n', 0o644);
  expect(readFileSync(file, 'utf8')).toBe('{"name":"busybox:latest"}\n');
  expect(statSync(file).mode & 0o777).toBe(0o644);
  expect(readdirSync(dir)).toEqual(['busybox%3Alatest.json']);
});

test('an old file is replaced by another inode: a reader that opened it keeps the old whole', () => {
  const file = join(dir, 'config.json');
  writeFileSync(file, 'old\n');
  linkSync(file, join(dir, 'reader')); // the old inode, as an open reader holds it
  writeFileAtomically(file, 'new\n');
  expect(readFileSync(file, 'utf8')).toBe('new\n');
  expect(readFileSync(join(dir, 'reader'), 'utf8')).toBe('old\n');
  expect(readdirSync(dir).sort()).toEqual(['config.json', 'reader']);
});
