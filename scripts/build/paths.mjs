// Where the builds go, and the time stamps their freshness tests compare.
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const buildDir = join(projectRoot, '.lab', 'build');
/** V8's compile cache (compile-cache.mjs); bin/mydocker.cjs, which starts without importing this, joins the same. */
export const compileCacheDir = join(buildDir, 'compile-cache');

/** @param {string} path @returns {number} its modification time in ms, 0 when it does not exist */
export function mtimeOrZero(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
