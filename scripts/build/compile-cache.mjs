// V8's compiled code, kept on disk between runs (module.enableCompileCache, NODE_COMPILE_CACHE): the
// runtime's bundles (bin/mydocker.cjs), the lab CLI (bin/lab.js) and vitest (cli/check/run-checks.ts)
// share one directory. Node writes a directory per Node version and V8 flags, and in it one file per
// compiled script path (a changed script overwrites its own file), but it never removes one: an old
// Node's directory, or the entry of a path that is gone, would stay forever (Node's module.md: "To
// clean up the generated compile cache on disk, simply remove the cache directory").
import { readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileCacheDir } from './paths.mjs';

/**
 * An entry read in this many days is kept. Node reads an entry at every start that compiles its
 * script, and with `relatime` (the default mount option) the kernel updates a file's access time at
 * least once a day when it is read (mount(8)), so every entry in use is younger than this. On a
 * `noatime` mount an entry in use may go too; the next start compiles its script again and writes it.
 */
export const KEEP_DAYS = 30;

/**
 * Removes the entries not read for KEEP_DAYS days, and the directories left empty. A race with a
 * Node process that writes an entry meanwhile costs at most that entry.
 * @param {string} [dir]
 * @param {number} [now] ms since the epoch
 * @returns {number} how many entries it removed
 */
export function pruneCompileCache(dir = compileCacheDir, now = Date.now()) {
  const oldest = now - KEEP_DAYS * 24 * 60 * 60 * 1000;
  let removed = 0;
  /** @type {import('node:fs').Dirent[]} */
  let versions;
  try {
    versions = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0; // no cache yet
  }
  for (const version of versions) {
    if (!version.isDirectory()) continue;
    const versionDir = join(dir, version.name);
    for (const entry of readdirSync(versionDir)) {
      const path = join(versionDir, entry);
      try {
        if (statSync(path).atimeMs >= oldest) continue;
        rmSync(path, { force: true });
        removed++;
      } catch {
        // removed by another build meanwhile
      }
    }
    try {
      rmdirSync(versionDir); // only when empty: ENOTEMPTY otherwise
    } catch {
      // still in use
    }
  }
  return removed;
}
