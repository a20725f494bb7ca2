// Builds what `mydocker` runs: the runtime's TypeScript bundled into one file per source tree
// (.lab/build/labs/mydocker.cjs, .lab/build/solutions/mydocker.cjs) and the native shim.
// One bundled file starts faster than many modules, and Node runs it with no type stripping.
// bin/mydocker.cjs repeats the freshness test below in CommonJS, to start fast; keep them alike.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { isBuiltin } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  return join(buildDir, name, 'mydocker.cjs');
}

export const shimBinary = join(buildDir, 'mydocker-shim');

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
  return mtimeOrZero(shimBinary) >= mtimeOrZero(join(projectRoot, 'native', 'shim.c'));
}

/**
 * Modules that only some commands need, each bundled into a file of its own beside the main bundle
 * and required when first imported: every `mydocker run` parses the main bundle, and the image
 * import, images/rmi and rm/commit/export would double its size (about 3 ms per start).
 */
const LAZY_MODULES = {
  'commands/images.ts': 'images.cjs',
  'commands/containers.ts': 'containers.cjs',
  'images/import.ts': 'import.cjs',
};

/** Turns a dynamic import() of a lazy module into a require() of its own bundle. */
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

export async function buildBundle(source) {
  const { build } = await import('esbuild');
  const srcDir = join(sourceDir(source), 'src');
  const outdir = dirname(bundlePath(source));
  // One esbuild call for the main bundle and the lazy ones (each still a bundle of its own): one
  // start of esbuild's work instead of four, ~60 ms of every rebuild after a learner's edit.
  const entryPoints = { [basename(bundlePath(source), '.cjs')]: join(srcDir, 'main.ts') };
  for (const [module, file] of Object.entries(LAZY_MODULES)) entryPoints[basename(file, '.cjs')] = join(srcDir, module);
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
    target: 'node22',
    sourcemap: 'linked',
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
}

export async function buildShim() {
  const { execFileSync } = await import('node:child_process'); // only when building: it is slow to load
  execFileSync('make', ['-s', '-C', join(projectRoot, 'native')], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds whatever is missing or older than its source. */
export async function ensureBuilt(source) {
  if (!isShimFresh()) await buildShim();
  if (!isBundleFresh(source)) await buildBundle(source);
  if (mtimeOrZero(BUSYBOX) > 0) await ensureBusyboxImage();
}


// --- The default image: busybox, made offline ---------------------------------------------------
// `mydocker run busybox ...` (and `run` with no image of its own) needs no registry: the set-up
// makes a one-layer image from Debian's busybox-static, as a `docker save` archive, and the runtime
// imports it the first time it is needed (MYDOCKER_BUSYBOX, set by bin/mydocker.cjs). The tar is
// written from memory, entry by entry: owner 0/0, fixed times and modes, sorted, so the same busybox
// gives the same bytes, the same layer id and the same image id, whatever the umask or the user.

export const BUSYBOX = '/bin/busybox';
export const busyboxImage = join(buildDir, 'images', 'busybox.tar');
const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

/**
 * A tar archive of these entries ({ path, type = 'File' | 'Directory' | 'SymbolicLink' | 'Link' |
 * 'CharacterDevice' ..., mode, uid, gid, mtime, linkpath, data }), in this order, ending with the
 * two zero blocks. node-tar's Header encodes each header (a pax header first when a path is long).
 */
export async function tarBuffer(entries) {
  const { Header, Pax } = await import('tar');
  const blocks = [];
  for (const entry of entries) {
    const data = entry.data === undefined ? Buffer.alloc(0) : Buffer.from(entry.data);
    const type = entry.type ?? 'File';
    const header = new Header({
      path: entry.path,
      type,
      mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size: data.length,
      mtime: entry.mtime ?? FIXED_TIME,
      linkpath: entry.linkpath,
      devmaj: entry.devmaj,
      devmin: entry.devmin,
    });
    header.encode();
    if (header.needPax) blocks.push(new Pax({ path: entry.path, linkpath: entry.linkpath, mtime: entry.mtime ?? FIXED_TIME }).encode());
    blocks.push(header.block, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const GOARCH = { x64: 'amd64', arm64: 'arm64' };

/** The busybox rootfs: the binary, a link per applet where `busybox --list-full` puts it, and /etc. */
async function busyboxEntries(busybox) {
  const { execFileSync } = await import('node:child_process');
  const directories = ['bin', 'dev', 'etc', 'home', 'proc', 'root', 'sbin', 'sys', 'tmp', 'usr', 'usr/bin', 'usr/sbin', 'var'];
  const modes = { root: 0o700, tmp: 0o1777 };
  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '' && path !== 'bin/busybox' && !path.includes('..') && !path.startsWith('/'));
  const files = [
    { path: 'bin/busybox', mode: 0o755, data: readFileSync(busybox) },
    { path: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { path: 'etc/group', data: 'root:x:0:\nnogroup:x:65534:\n' },
    // Empty: the runtime mounts the container's own over them.
    { path: 'etc/hostname' },
    { path: 'etc/hosts' },
    { path: 'etc/resolv.conf' },
    ...applets.map((path) => ({ path, type: 'SymbolicLink', mode: 0o777, linkpath: '/bin/busybox' })),
  ];
  const parents = new Set(files.flatMap(({ path }) => path.split('/').slice(0, -1).map((_, i, names) => names.slice(0, i + 1).join('/'))));
  const allDirectories = [...new Set([...directories, ...parents])];
  return [
    ...allDirectories.map((path) => ({ path: `${path}/`, type: 'Directory', mode: modes[path] ?? 0o755 })),
    ...files,
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Builds the busybox image when it is missing (only then: the same busybox gives the same file). */
export async function ensureBusyboxImage() {
  if (mtimeOrZero(busyboxImage) === 0) await buildBusyboxImage();
}

/** .lab/build/images/busybox.tar, in `docker save` format: manifest.json, the config, the layer. */
export async function buildBusyboxImage({ busybox = BUSYBOX, output = busyboxImage } = {}) {
  const { createHash } = await import('node:crypto');
  const sha256 = (data) => createHash('sha256').update(data).digest('hex');
  const layer = await tarBuffer(await busyboxEntries(busybox));
  const diffId = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: GOARCH[process.arch] ?? process.arch,
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diffId}`] },
      history: [{ created_by: `write-your-own-docker set-up: ${busybox} (Debian busybox-static)` }],
    }),
  );
  const configName = `${sha256(config)}.json`;
  const manifest = JSON.stringify([{ Config: configName, RepoTags: ['busybox:latest'], Layers: [`${diffId}/layer.tar`] }]);
  const archive = await tarBuffer([
    { path: `${diffId}/`, type: 'Directory' },
    { path: `${diffId}/layer.tar`, data: layer },
    { path: configName, data: config },
    { path: 'manifest.json', data: manifest },
  ]);
  mkdirSync(dirname(output), { recursive: true });
  const temporary = `${output}.${process.pid}.tmp`;
  writeFileSync(temporary, archive);
  renameSync(temporary, output);
  return output;
}

// --- The `lab` workbook CLI (bin/lab.js) -------------------------------------------------------
// cli/main.ts bundled with code splitting, so each command's chunk (and ink, marked, execa) loads
// only when that command runs. The inputs the bundle was made from are recorded beside it, so the
// launcher can tell whether it is fresh by statting exactly those files.

export const labBuildDir = join(buildDir, 'lab');
const labInputsFile = join(labBuildDir, 'inputs.json');

export function labBundlePath() {
  return join(labBuildDir, 'lab.mjs');
}

/** Fresh when the bundle is newer than every project file it was built from, and than the last npm install. */
export function isLabBundleFresh() {
  const built = mtimeOrZero(labBundlePath());
  if (built === 0) return false;
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(labInputsFile, 'utf8'));
  } catch {
    return false;
  }
  const dependencies = [join(projectRoot, 'node_modules', '.package-lock.json')];
  for (const input of [...inputs.map((file) => join(projectRoot, file)), ...dependencies]) {
    const mtime = mtimeOrZero(input);
    if (mtime === 0 && !dependencies.includes(input)) return false; // an input was deleted or moved
    if (mtime > built) return false;
  }
  return true;
}

/**
 * Rewrites `import.meta.url` in the project's own modules to the URL of their source file, as a path
 * relative to the bundle: modules that find the project root from their own location
 * (checker/harness/target.ts, cli/paths.ts) keep finding it once bundled, and the checkout can still
 * be moved. (A plain text replacement: fine for code that uses import.meta.url as an expression.)
 * Also keeps yoga-layout (ink's layout engine) from touching the global `fetch`, whose first use
 * loads undici and costs ~40 ms at every start; and see the other hooks below.
 */
function labBundlePlugin(outdir) {
  return {
    name: 'lab-bundle',
    setup(build) {
      build.onLoad({ filter: /\.(m?js|ts|tsx)$/ }, (args) => {
        const inProject = args.path.startsWith(projectRoot + sep) && !args.path.includes(`${sep}node_modules${sep}`);
        const isYoga = args.path.includes(`${sep}node_modules${sep}yoga-layout${sep}`);
        if (!inProject && !isYoga) return undefined;
        let contents = readFileSync(args.path, 'utf8');
        const loader = args.path.endsWith('.tsx') ? 'tsx' : args.path.endsWith('.ts') ? 'ts' : 'js';
        if (isYoga) return { contents: `var fetch = undefined;\n${contents}`, loader };
        if (!contents.includes('import.meta.url')) return undefined;
        const fromBundle = relative(outdir, args.path).split(sep).join('/');
        contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`);
        return { contents, loader };
      });
      // This file stays a module of its own (the launcher has loaded it already): import it from
      // its place in the checkout, so its own import.meta.url, and projectRoot, stay true.
      build.onResolve({ filter: /\/scripts\/build\.mjs$/ }, (args) => {
        const path = join(args.resolveDir, args.path);
        if (path !== join(projectRoot, 'scripts', 'build.mjs')) return undefined;
        return { path: relative(outdir, path).split(sep).join('/'), external: true };
      });
      // cli-highlight (for marked-terminal's code blocks) loads highlight.js with its ~190 languages,
      // ~250 ms at every `lab next`; the chapters need a handful.
      build.onResolve({ filter: /^highlight\.js$/ }, () => ({ path: 'highlight.js', namespace: 'lab-highlight' }));
      build.onLoad({ filter: /.*/, namespace: 'lab-highlight' }, () => ({
        resolveDir: projectRoot,
        loader: 'js',
        contents: [
          "const hljs = require('highlight.js/lib/core');",
          ...['typescript', 'javascript', 'bash', 'shell', 'c', 'json', 'diff', 'ini', 'makefile', 'plaintext'].map(
            (language) => `hljs.registerLanguage('${language}', require('highlight.js/lib/languages/${language}'));`,
          ),
          "hljs.registerAliases(['sh', 'console'], { languageName: 'bash' });",
          'module.exports = hljs;',
        ].join('\n'),
      }));
      // Node's builtins through require(), not ESM import: an ESM import of a builtin evaluates all
      // of its lazy exports (node:fs loads fs/promises, readline, ...), require() leaves them lazy.
      build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
        if (args.kind !== 'import-statement' || !isBuiltin(args.path)) return undefined;
        return { path: args.path, namespace: 'lab-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lab-builtin' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      // The course (chapters/*/labs.yaml) is read here, once per build, and goes into the bundle as
      // JSON: parsing the YAML at every start would cost ~15-45 ms (docs/decisions/0008).
      build.onLoad({ filter: /[\\/]chapters[\\/]course\.ts$/ }, async (args) => {
        if (args.path !== join(projectRoot, 'chapters', 'course.ts')) return undefined;
        const { readCourse } = await import(pathToFileURL(join(projectRoot, 'chapters', 'read-course.ts')).href);
        const json = JSON.stringify(readCourse());
        return { contents: `export const course = JSON.parse(${JSON.stringify(json)});`, loader: 'js' };
      });
      // ink imports react-devtools-core only when DEV=true and the package is installed; it is not.
      build.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'lab-empty' }));
      build.onLoad({ filter: /.*/, namespace: 'lab-empty' }, () => ({ contents: 'export default {};', loader: 'js' }));
    },
  };
}

/** Builds .lab/build/lab/ in a temporary directory and swaps it into place, so a running `lab` never sees half a build. */
export async function buildLab() {
  const { build } = await import('esbuild');
  const temporary = `${labBuildDir}.${process.pid}.tmp`;
  rmSync(temporary, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: { lab: join(projectRoot, 'cli', 'main.ts') },
    outdir: temporary,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    jsx: 'automatic',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    // vitest runs in its own process (cli/check/run-checks.ts); esbuild is imported only to build.
    external: ['vitest', 'vitest/*', 'esbuild'],
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [labBundlePlugin(labBuildDir)],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  const { courseInputs } = await import(pathToFileURL(join(projectRoot, 'chapters', 'read-course.ts')).href);
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes('node_modules/') && !input.includes(':')) // project files, relative to its root
    .concat(courseInputs().map((input) => relative(projectRoot, input) || '.')) // what chapters/course.ts was made from
    .concat('scripts/build.mjs'); // the recipe itself
  writeFileSync(join(temporary, 'inputs.json'), JSON.stringify(inputs, null, 2) + '\n');
  const old = `${labBuildDir}.${process.pid}.old`;
  try {
    renameSync(labBuildDir, old);
  } catch {
    // no previous build
  }
  try {
    renameSync(temporary, labBuildDir);
  } catch (error) {
    // Another `lab` built it at the same moment and put its build in place first: use that one.
    rmSync(temporary, { recursive: true, force: true });
    if (mtimeOrZero(labBundlePath()) === 0) throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

export async function ensureLabBuilt() {
  if (!isLabBundleFresh()) await buildLab();
}

// Run directly (`node scripts/build.mjs`): everything, as set-up does. Last in the file, so that every
// constant above is initialized before the top-level await runs.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildShim();
  for (const source of SOURCES) await buildBundle(source);
  await ensureBusyboxImage();
}
