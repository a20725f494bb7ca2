// The `lab` workbook CLI (bin/lab.js): cli/main.ts bundled with code splitting, so each command's
// chunk (and ink, marked, execa) loads only when that command runs. The inputs the bundle was made
// from are recorded beside it, so the launcher can tell whether it is fresh by statting exactly
// those files.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDir, mtimeOrZero, projectRoot } from './paths.mjs';
import { nodeTarget } from './target.mjs';

export const labBuildDir = join(buildDir, 'lab');
const labInputsFile = join(labBuildDir, 'inputs.json');
/** This file, as the bundle's inputs name it: the recipe itself. */
const RECIPE = 'scripts/build/lab.mjs';

export function labBundlePath() {
  return join(labBuildDir, 'lab.mjs');
}

/** Fresh when the bundle is newer than every project file it was built from, and than the last npm install. */
export function isLabBundleFresh() {
  const built = mtimeOrZero(labBundlePath());
  if (built === 0) return false;
  /** @type {string[]} */
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
 * @param {string} outdir
 * @returns {import('esbuild').Plugin}
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
        contents = contents.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`,
        );
        return { contents, loader };
      });
      // The build scripts stay modules of their own (the launcher has loaded some already): import
      // them from their place in the checkout, so their own import.meta.url, and projectRoot, stay true.
      build.onResolve({ filter: /\/scripts\/build(\.mjs|\/[\w-]+\.mjs)$/ }, (args) => {
        const path = join(args.resolveDir, args.path);
        const scripts = join(projectRoot, 'scripts');
        if (path !== join(scripts, 'build.mjs') && !path.startsWith(join(scripts, 'build') + sep)) return undefined;
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
      build.onResolve({ filter: /^react-devtools-core$/ }, () => ({
        path: 'react-devtools-core',
        namespace: 'lab-empty',
      }));
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
    target: nodeTarget,
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
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  const { courseInputs } = await import(pathToFileURL(join(projectRoot, 'chapters', 'read-course.ts')).href);
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.includes('node_modules/') && !input.includes(':')) // project files, relative to its root
    .concat(courseInputs().map((/** @type {string} */ input) => relative(projectRoot, input) || '.')) // what chapters/course.ts was made from
    .concat(RECIPE, 'scripts/build/target.mjs'); // the recipe itself, and the Node it targets
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
