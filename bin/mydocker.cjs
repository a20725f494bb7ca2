#!/usr/bin/env node
// Runs the mydocker built from labs/ (yours), or from solutions/ with MYDOCKER_SOURCE=solutions,
// rebuilding it first when a source file is newer than the build.
//
// CommonJS on purpose, like the bundle it loads: this file is on the path of every container start,
// and an ESM import of node:fs alone loads 34 of Node's internal modules (docs/benchmarks.md).
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { basename, isAbsolute, join } = require('node:path');

// An older Node hands this run to the project's Node 24 (see project-node.cjs).
require('./project-node.cjs').ensureProjectNode(__filename, 'mydocker', 125);

const root = join(__dirname, '..');
const build = join(root, '.lab', 'build');
const source = process.env.MYDOCKER_SOURCE ?? 'labs';
const named = source === 'labs' || source === 'solutions';
if (!named && !isAbsolute(source)) {
  process.stderr.write(`mydocker: MYDOCKER_SOURCE must be 'labs', 'solutions' or an absolute path, not '${source}'\n`);
  process.exit(125);
}
const tree = named ? join(root, source) : source;
const bundle = join(build, named ? source : `tree-${basename(source)}`, 'mydocker.cjs');
const shim = join(build, 'mydocker-shim');

/** @param {string} path */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * The newest modification time of a file below `dir`. Written for what it allocates, on the path of
 * every start: past about 1 MB allocated, V8 pays a scavenge of its young generation (0.6-0.8 ms and
 * more at exit), and the recursive readdir with Dirents and path.join cost 190 kB of it for 72 files
 * (a walk per directory with plain string paths: about 15 kB, besides the stats).
 * @param {string} dir
 */
function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : entry.isFile() ? mtime(path) : 0);
  }
  return newest;
}

function start() {
  process.env.MYDOCKER_SHIM ??= shim;
  process.env.MYDOCKER_BUSYBOX ??= join(build, 'images', 'busybox.tar');
  // The bundle is minified (scripts/build/runtime.mjs): a stack trace for MYDOCKER_DEBUG names the
  // sources' lines through its source map.
  if (process.env.MYDOCKER_DEBUG) process.setSourceMapsEnabled(true);
  // V8's compiled code for the bundle, kept on disk: later starts skip parsing and compiling it.
  require('node:module').enableCompileCache?.(join(build, 'compile-cache'));
  require(bundle);
}

const fresh = mtime(shim) >= mtime(join(root, 'native', 'shim.c')) && mtime(bundle) >= newestUnder(join(tree, 'src'));
// MYDOCKER_NO_BUILD: a read-only tree (the micro-VM); use what the host built, even if a file changed since.
if (fresh || (process.env.MYDOCKER_NO_BUILD && mtime(bundle) > 0)) {
  start();
} else {
  import('../scripts/build/runtime.mjs')
    .then(({ ensureBuilt }) => ensureBuilt(source))
    .then(start, (error) => {
      process.stderr.write(`mydocker: could not build the runtime from ${tree}: ${error.message}\n`);
      process.exitCode = 125;
    });
}
