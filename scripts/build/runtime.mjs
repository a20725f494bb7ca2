// Builds what `mydocker` runs: the runtime's TypeScript bundled into one file per source tree
// (.lab/build/labs/mydocker.cjs, .lab/build/solutions/mydocker.cjs) and the native shim.
// One bundled file starts faster than many modules, and Node runs it with no type stripping.
// bin/mydocker.cjs repeats the freshness test below in CommonJS, to start fast; keep them alike.
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { BUSYBOX, ensureBusyboxImage } from './busybox-image.mjs';
import { pruneCompileCache } from './compile-cache.mjs';
import { buildDir, mtimeOrZero, projectRoot } from './paths.mjs';
import { nodeTarget } from './target.mjs';

/** @typedef {'labs' | 'solutions'} NamedSource */
/** @type {readonly NamedSource[]} */
export const SOURCES = ['labs', 'solutions'];

/** @param {string} source @returns {source is NamedSource} */
function isNamed(source) {
  return /** @type {readonly string[]} */ (SOURCES).includes(source);
}

/**
 * A source is 'labs', 'solutions', or the absolute path of another tree with the same layout (the
 * dev check builds such trees). Each gets its own bundle in .lab/build, beside the shim.
 * @param {string} source
 * @returns {string}
 */
export function sourceDir(source) {
  if (isNamed(source)) return join(projectRoot, source);
  if (isAbsolute(source)) return source;
  throw new Error(`MYDOCKER_SOURCE must be 'labs', 'solutions' or an absolute path, not '${source}'`);
}

/** @param {string} source @returns {string} */
export function bundlePath(source) {
  const name = isNamed(source) ? source : `tree-${basename(source)}`;
  return join(buildDir, name, 'mydocker.cjs');
}

export const shimBinary = join(buildDir, 'mydocker-shim');

/**
 * Newest modification time of any file under `dir`, in ms.
 * @param {string} dir
 * @returns {number}
 */
export function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** @param {string} source */
export function isBundleFresh(source) {
  return mtimeOrZero(bundlePath(source)) >= newestMtime(join(sourceDir(source), 'src'));
}

export function isShimFresh() {
  return mtimeOrZero(shimBinary) >= mtimeOrZero(join(projectRoot, 'native', 'shim.c'));
}

/**
 * Modules that only some commands need, each bundled into a file of its own beside the main bundle
 * and required when first imported: every `mydocker run` parses the main bundle, and the image
 * import, images/rmi and rm/commit/export would double its size (about 3 ms per start). Chapter 5's
 * commands did double it (69 to 138 kB, +5 ms per `run`) until they went here too.
 * @type {Partial<Record<string, string>>}
 */
const LAZY_MODULES = {
  'commands/images.ts': 'images.cjs',
  'commands/containers.ts': 'containers.cjs',
  'images/import.ts': 'import.cjs',
  'commands/exec.ts': 'exec.cjs',
  'commands/exec-arguments.ts': 'exec-arguments.cjs',
  'commands/ps.ts': 'ps.cjs',
  'commands/inspect.ts': 'inspect.cjs',
  'commands/logs.ts': 'logs.cjs',
  'commands/lifecycle.ts': 'lifecycle.cjs',
  'commands/start.ts': 'start.cjs',
  'commands/top.ts': 'top.cjs',
  'commands/network.ts': 'network.cjs',
};

/**
 * Turns a dynamic import() of a lazy module into a require() of its own bundle.
 * @param {string} srcDir
 * @returns {import('esbuild').Plugin}
 */
function lazyModules(srcDir) {
  return {
    name: 'lazy-modules',
    setup(build) {
      build.onResolve({ filter: /\.ts$/ }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = relative(srcDir, join(args.resolveDir, args.path)).split(sep).join('/');
        const file = LAZY_MODULES[target];
        return file ? { path: `./${file}`, external: true } : undefined;
      });
    },
  };
}

/** @param {string} source */
export async function buildBundle(source) {
  const { build } = await import('esbuild');
  const srcDir = join(sourceDir(source), 'src');
  const outdir = dirname(bundlePath(source));
  // One esbuild call for the main bundle and the lazy ones (each still a bundle of its own): one
  // start of esbuild's work instead of four, ~60 ms of every rebuild after a learner's edit.
  /** @type {Record<string, string>} */
  const entryPoints = { [basename(bundlePath(source), '.cjs')]: join(srcDir, 'main.ts') };
  for (const [module, file] of Object.entries(LAZY_MODULES))
    if (file) entryPoints[basename(file, '.cjs')] = join(srcDir, module);
  const result = await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.cjs' },
    write: false,
    bundle: true,
    platform: 'node',
    // CommonJS, not ESM: an ESM `import` of a Node builtin evaluates all of its lazy exports
    // (node:fs alone then loads fs/promises, readline and the REPL history, 34 internal modules),
    // while require() leaves them lazy. That is most of the start-up budget (docs/benchmarks.md).
    format: 'cjs',
    target: nodeTarget,
    sourcemap: 'linked',
    // Every `mydocker run` reads the main bundle as a string and wraps it: the source alone is
    // allocated in V8's young generation, and past about 1 MB allocated the start pays a scavenge
    // (0.6-0.8 ms, and more in teardown). Whitespace and syntax minified, names kept (stack traces
    // stay readable; MYDOCKER_DEBUG maps them to the sources).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    // Loaded from node_modules by the image import only (src/images/): bundled in, koffi's native
    // module would not load, and `mydocker run` would parse node-tar at every start.
    external: ['tar', 'koffi'],
    plugins: [lazyModules(srcDir)],
  });
  // Each file is written beside its place and renamed over it, so a mydocker starting meanwhile reads
  // a whole file; the main bundle last: its time stamp tells the launcher that all are fresh.
  mkdirSync(outdir, { recursive: true });
  const main = bundlePath(source);
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === main) - Number(b.path === main));
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  // Every edit of a tree's sources rebuilds its bundle: the one build that runs often enough to keep
  // the compile cache small (a few ms against the build's ~350).
  pruneCompileCache();
}

export async function buildShim() {
  const { execFileSync } = await import('node:child_process'); // only when building: it is slow to load
  execFileSync('make', ['-s', '-C', join(projectRoot, 'native')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Builds whatever is missing or older than its source: the shim, the source's bundle, and the
 * default image where busybox is there to make it.
 * @param {string} source
 */
export async function ensureBuilt(source) {
  if (!isShimFresh()) await buildShim();
  if (!isBundleFresh(source)) await buildBundle(source);
  if (mtimeOrZero(BUSYBOX) > 0) await ensureBusyboxImage();
}
