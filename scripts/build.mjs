// Builds what `mydocker` runs: the runtime's TypeScript bundled into one file per source tree
// (.lab/build/labs/mydocker.mjs, .lab/build/solutions/mydocker.mjs) and the native shim.
// One bundled file starts faster than many modules, and Node 24 runs it with no type stripping.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const buildDir = join(projectRoot, '.lab', 'build');
export const SOURCES = ['labs', 'solutions'];

/**
 * A source is 'labs', 'solutions', or the absolute path of another tree with the same layout (the
 * dev check builds such trees). Each gets its own bundle in .lab/build, beside the shim.
 */
export function sourceDir(source) {
  if (SOURCES.includes(source)) return join(projectRoot, source);
  if (isAbsolute(source)) return source;
  throw new Error(`MYDOCKER_SOURCE must be 'labs', 'solutions' or an absolute path, not '${source}'`);
}

export function bundlePath(source) {
  const name = SOURCES.includes(source) ? source : `tree-${basename(source)}`;
  return join(buildDir, name, 'mydocker.mjs');
}

/** Newest modification time of any file under `dir`, in ms. */
export function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function mtimeOrZero(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

export function isBundleFresh(source) {
  return mtimeOrZero(bundlePath(source)) >= newestMtime(join(sourceDir(source), 'src'));
}

export function isShimFresh() {
  return mtimeOrZero(join(buildDir, 'mydocker-shim')) >= mtimeOrZero(join(projectRoot, 'native', 'shim.c'));
}

export async function buildBundle(source) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(sourceDir(source), 'src', 'main.ts')],
    outfile: bundlePath(source),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    logLevel: 'warning',
    // commander is CommonJS; give its require() calls a real require in the ESM bundle.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
}

export function buildShim() {
  execFileSync('make', ['-s', '-C', join(projectRoot, 'native')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds whatever is missing or older than its source. */
export async function ensureBuilt(source) {
  if (!isShimFresh()) buildShim();
  if (!isBundleFresh(source)) await buildBundle(source);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildShim();
  for (const source of SOURCES) await buildBundle(source);
}
